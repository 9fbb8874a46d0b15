/**
 * The hooks. `useRoom(options)`: a room's live state for a React component. One RoomClient per
 * distinct options (compared by value, see registry.ts), created and connected in an effect
 * (never during render), shared by every component that passes the same options, and closed when
 * the last of them unmounts. `useSignal(room, handler)`: the signals the room relays to us.
 */
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { ClientErrorCodes, RoomError } from "../client/errors";
import { RoomClient } from "../client/room-client";
import type { RoomClientOptions, SendOptions, SignalOptions, SignalOutcome, UserFields } from "../client/types";
import type { MessageAckData, SelfUser, SignalData } from "../protocol/types";
import { optionsKey, StoreRegistry } from "./registry";
import { INITIAL_SNAPSHOT, type RoomSnapshot, RoomStore } from "./room-store";

export interface UseRoomOptions extends RoomClientOptions {
	/** How many messages `messages` keeps, the latest (default 500). */
	messageLimit?: number;
}

export interface RoomHandle extends RoomSnapshot {
	/** Resolves with the ack once the room has stored it; the message then joins `messages`. */
	send: (message: unknown, options?: SendOptions) => Promise<MessageAckData>;
	/** Something ephemeral (typing, a cursor) to the others, or `to` one user: never stored ("dropped" before the client exists). */
	signal: (value: unknown, options?: SignalOptions) => SignalOutcome;
	updateUser: (fields: UserFields) => Promise<SelfUser>;
	/** The client itself, once created (after the first render). */
	client: RoomClient | undefined;
}

const DEFAULT_MESSAGE_LIMIT = 500;
const registry = new StoreRegistry(0);
const noSubscription = () => () => {};
const initialSnapshot = () => INITIAL_SNAPSHOT;

function notYet(): Promise<never> {
	return Promise.reject(new RoomError(ClientErrorCodes.CLOSED, "the room's client is not created yet"));
}

function createStore(options: UseRoomOptions): RoomStore {
	const { messageLimit = DEFAULT_MESSAGE_LIMIT, ...clientOptions } = options;
	const store = new RoomStore(new RoomClient(clientOptions), messageLimit);
	// A failed first registration is an `error` event and a `closed` state; nothing to throw here.
	store.client.connect().catch(() => {});
	return store;
}

export function useRoom(options: UseRoomOptions): RoomHandle {
	const key = optionsKey(options);
	const [held, setHeld] = useState<{ key: string; store: RoomStore }>();
	// biome-ignore lint/correctness/useExhaustiveDependencies: the key stands for the options.
	useEffect(() => {
		// `options` is read here, at the commit whose key changed; later renders with the same key reuse it.
		const store = registry.acquire(key, () => createStore(options));
		setHeld({ key, store });
		return () => registry.release(key);
	}, [key]);
	const store = held?.key === key ? held.store : undefined;
	const snapshot = useSyncExternalStore(
		store?.subscribe ?? noSubscription,
		store?.getSnapshot ?? initialSnapshot,
		initialSnapshot,
	);
	const send = useCallback(
		(message: unknown, sendOptions?: SendOptions) => (store ? store.send(message, sendOptions) : notYet()),
		[store],
	);
	const signal = useCallback(
		(value: unknown, signalOptions?: SignalOptions): SignalOutcome =>
			store ? store.client.signal(value, signalOptions) : "dropped",
		[store],
	);
	const updateUser = useCallback((fields: UserFields) => (store ? store.client.updateUser(fields) : notYet()), [store]);
	return useMemo(
		() => ({ ...snapshot, send, signal, updateUser, client: store?.client }),
		[snapshot, send, signal, updateUser, store],
	);
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
