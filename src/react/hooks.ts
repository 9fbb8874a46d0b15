/**
 * The hooks. `useRoom(options)`: a room's live state for a React component (see own-room.ts);
 * `useRoom()`: the nearest `RoomProvider`'s. `useSignal(handler)` or `useSignal(room, handler)`:
 * the signals the room relays to us.
 */
import { useContext, useEffect, useRef } from "react";
import type { SignalData } from "../protocol/types";
import { type RoomHandle, type UseRoomOptions, useOwnRoom } from "./own-room";
import { RoomContext } from "./provider";

export type { RoomHandle, UseRoomOptions } from "./own-room";

type SignalHandler = (signal: SignalData) => void;

function missingProvider(call: string): Error {
	return new Error(
		`${call} found no RoomProvider above this component: render it inside <RoomProvider options={…}>, or pass the room explicitly`,
	);
}

/**
 * The room of the nearest `RoomProvider`; throws when there is none. The handle's `state`,
 * `users`, `userCount`, `messages` and `self` are live; `error` says why the client is not in the
 * room (`{ code, message }`: a refusal such as `UNAUTHORIZED` or `FORBIDDEN`, which closes it for
 * good, or a failed connection it keeps retrying), and is `undefined` once the room registers it.
 */
export function useRoom(): RoomHandle;
/** A room of this component's own, shared with every component that passes equal options; the same handle as `useRoom()`. */
export function useRoom(options: UseRoomOptions): RoomHandle;
export function useRoom(options?: UseRoomOptions): RoomHandle {
	// Both hooks on every render, whichever form is used, so the hook order never changes.
	const provided = useContext(RoomContext);
	const own = useOwnRoom(options);
	if (options !== undefined) return own;
	if (provided === undefined) throw missingProvider("useRoom()");
	return provided;
}

/**
 * Calls `handler` with every signal the room relays to us: the nearest `RoomProvider`'s room, or
 * `room` (what `useRoom` returned). The handler may be a new function on every render: the latest
 * one is called, and nothing resubscribes.
 */
export function useSignal(handler: SignalHandler): void;
export function useSignal(room: Pick<RoomHandle, "client">, handler: SignalHandler): void;
export function useSignal(roomOrHandler: Pick<RoomHandle, "client"> | SignalHandler, handler?: SignalHandler): void {
	const provided = useContext(RoomContext);
	const fromProvider = typeof roomOrHandler === "function";
	const room = fromProvider ? provided : roomOrHandler;
	if (room === undefined) throw missingProvider("useSignal(handler)");
	const onSignal = fromProvider ? roomOrHandler : handler;
	const latest = useRef(onSignal);
	useEffect(() => {
		latest.current = onSignal;
	});
	const client = room.client;
	useEffect(() => client?.on("signal", (signal) => latest.current?.(signal)), [client]);
}
