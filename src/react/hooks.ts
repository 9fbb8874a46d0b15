/**
 * The hooks. `useRoom(options)`: a room's live state for a React component (see own-room.ts).
 * `useSignal(room, handler)`: the signals the room relays to us.
 */
import { useEffect, useRef } from "react";
import type { SignalData } from "../protocol/types";
import { type RoomHandle, type UseRoomOptions, useOwnRoom } from "./own-room";

export type { RoomHandle, UseRoomOptions } from "./own-room";

export function useRoom(options: UseRoomOptions): RoomHandle {
	return useOwnRoom(options);
}

/**
 * `useSignal(room, handler)`: calls `handler` with every signal the room relays to us. The handler
 * may be a new function on every render: the latest one is called, and nothing resubscribes.
 */
export function useSignal(room: Pick<RoomHandle, "client">, handler: (signal: SignalData) => void): void {
	const latest = useRef(handler);
	useEffect(() => {
		latest.current = handler;
	});
	const client = room.client;
	useEffect(() => client?.on("signal", (signal) => latest.current(signal)), [client]);
}
