/**
 * A room of the component's own: one RoomClient per distinct options (compared by value, see
 * registry.ts), created and connected in an effect (never during render), shared by every
 * component that passes the same options, and closed when the last of them unmounts.
 * `useRoom(options)` and `RoomProvider` both stand on it.
 */
import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from "react";
import { ClientErrorCodes, RoomError } from "../client/errors";
import { RoomClient } from "../client/room-client";
import type { RoomClientOptions, SendOptions, SignalOptions, SignalOutcome, UserFields } from "../client/types";
import type { MessageAckData, SelfUser } from "../protocol/types";
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

/**
 * The room for `options`; with none, nothing is created or held and the handle stays at the
 * initial snapshot. Taking `undefined` lets `useRoom()` call this hook on every render, options
 * or not, so its hooks keep their order.
 */
export function useOwnRoom(options: UseRoomOptions | undefined): RoomHandle {
	const key = options === undefined ? undefined : optionsKey(options);
	const [held, setHeld] = useState<{ key: string; store: RoomStore }>();
	// biome-ignore lint/correctness/useExhaustiveDependencies: the key stands for the options.
	useEffect(() => {
		if (key === undefined || options === undefined) return;
		// `options` is read here, at the commit whose key changed; later renders with the same key reuse it.
		const store = registry.acquire(key, () => createStore(options));
		setHeld({ key, store });
		return () => registry.release(key);
	}, [key]);
	const store = key !== undefined && held?.key === key ? held.store : undefined;
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
