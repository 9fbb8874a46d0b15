/**
 * `useSignal(room, handler)`: calls `handler` with every signal the room relays to us. The handler
 * may be a new function on every render: the latest one is called, and nothing resubscribes.
 */
import { useEffect, useRef } from "react";
import type { SignalData } from "../protocol/types";
import type { RoomHandle } from "./use-room";

export function useSignal(room: Pick<RoomHandle, "client">, handler: (signal: SignalData) => void): void {
	const latest = useRef(handler);
	useEffect(() => {
		latest.current = handler;
	});
	const client = room.client;
	useEffect(() => client?.on("signal", (signal) => latest.current(signal)), [client]);
}
