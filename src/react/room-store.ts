/**
 * One RoomClient seen as an external store for React: an immutable snapshot (state, users, counts,
 * messages), replaced on every change, and the listeners `useSyncExternalStore` subscribes.
 * It listens from the client's creation, before `connect()`, so the first history is never missed.
 */

import type { RoomClient } from "../client/room-client";
import type { RoomClientState, SendOptions } from "../client/types";
import type { Message, MessageAckData, SelfUser, User } from "../protocol/types";
import { MessageList } from "./message-list";

export interface RoomSnapshot {
	state: RoomClientState;
	/** Everyone present, earliest first; empty in `count` presence mode. */
	users: readonly User[];
	/** Users present, leave grace included. */
	userCount: number;
	/** History, live messages and our own sends once acknowledged: once each, in `seq` order. */
	messages: readonly Message[];
	/** Our user as the room last told it. */
	self: SelfUser | undefined;
}

/** What every `useRoom` shows before its client exists (the first render, and on the server). */
export const INITIAL_SNAPSHOT: RoomSnapshot = Object.freeze({
	state: "connecting",
	users: [],
	userCount: 0,
	messages: [],
	self: undefined,
});

export class RoomStore {
	readonly client: RoomClient;
	readonly #messages: MessageList;
	readonly #listeners = new Set<() => void>();
	#snapshot: RoomSnapshot;

	constructor(client: RoomClient, messageLimit: number) {
		this.client = client;
		this.#messages = new MessageList(messageLimit);
		this.#snapshot = { ...INITIAL_SNAPSHOT, state: client.state };
		client.on("state", (state) => this.#update({ state }));
		client.on("presence", ({ users, userCount }) => this.#update({ users, userCount, self: client.self }));
		client.on("registered", ({ reset, self }) => {
			if (reset) this.#messages.clear();
			this.#update({ self, messages: this.#messages.messages });
		});
		client.on("message", (message) => this.#addMessage(message));
	}

	subscribe = (listener: () => void): (() => void) => {
		this.#listeners.add(listener);
		return () => {
			this.#listeners.delete(listener);
		};
	};

	getSnapshot = (): RoomSnapshot => this.#snapshot;

	/** `client.send`, and our own message joins `messages` once the room has stored it. */
	send = async (message: unknown, options: SendOptions = {}): Promise<MessageAckData> => {
		const ack = await this.client.send(message, options);
		const self = this.client.self;
		const from = { userId: self?.userId ?? "", name: self?.name ?? "" };
		this.#addMessage({
			id: ack.id,
			seq: ack.seq,
			from,
			// What the others received: the message as JSON carries it (a Date becomes its string).
			message: JSON.parse(JSON.stringify(message)) as unknown,
			sentAt: ack.sentAt,
			...(options.to === undefined ? {} : { to: options.to }),
		});
		return ack;
	};

	#addMessage(message: Message): void {
		if (this.#messages.add(message)) this.#update({ messages: this.#messages.messages });
	}

	#update(change: Partial<RoomSnapshot>): void {
		this.#snapshot = { ...this.#snapshot, ...change };
		for (const listener of [...this.#listeners]) listener();
	}
}
