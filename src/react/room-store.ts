/**
 * One RoomClient seen as an external store for React: an immutable snapshot (state, users, counts,
 * messages), replaced on every change, and the listeners `useSyncExternalStore` subscribes.
 * It listens from the client's creation, before `connect()`, so the first history is never missed.
 */

import type { RoomError } from "../client/errors";
import type { RoomClient } from "../client/room-client";
import type { RoomClientState, SendOptions } from "../client/types";
import type { Message, MessageAckData, SelfUser, User } from "../protocol/types";

/** Why the client is not in its room: the room's refusal, or a connection that failed. */
export interface RoomConnectionError {
	/**
	 * `UNAUTHORIZED` (401: no token, a bad or expired one), `FORBIDDEN` (403: a token for another
	 * room, the page's origin not allowed), `ROOM_FULL`, `TOO_MANY_CONNECTIONS`, a refused
	 * `Register` (`BAD_REQUEST`, `ALREADY_REGISTERED`), or `CONNECTION_FAILED` when the room gave no reason.
	 */
	code: RoomError["code"];
	/** The room's own words, for people; "; retrying" ends it while the client tries again. */
	message: string;
}

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
	/**
	 * Why the client is not in the room, as last reported while it connects or reconnects (it keeps
	 * trying) or by the refusal that closed it for good (`state` is then `closed`). Cleared once the
	 * room registers us. An error while in the room (a refused `send` rejects its promise) is not
	 * shown here.
	 */
	error: RoomConnectionError | undefined;
}

/** What every `useRoom` shows before its client exists (the first render, and on the server). */
export const INITIAL_SNAPSHOT: RoomSnapshot = Object.freeze({
	state: "connecting",
	users: [],
	userCount: 0,
	messages: [],
	self: undefined,
	error: undefined,
});

/**
 * The messages a `useRoom` shows: each once (by id), in `seq` order, the latest `limit` of them.
 * History, live messages and our own acknowledged sends all arrive here, in any interleaving.
 */
class MessageList {
	readonly #limit: number;
	readonly #ids = new Set<string>();
	#messages: readonly Message[] = [];

	constructor(limit: number) {
		this.#limit = Math.max(1, limit);
	}

	/** An immutable array, replaced on every change (what `useSyncExternalStore` compares). */
	get messages(): readonly Message[] {
		return this.#messages;
	}

	/** Adds a message unless it is already here or older than everything kept; true when it changed the list. */
	add(message: Message): boolean {
		if (this.#ids.has(message.id)) return false;
		const list = this.#messages;
		const oldest = list[0];
		if (list.length >= this.#limit && oldest !== undefined && message.seq < oldest.seq) return false;
		// Almost always the newest: the scan from the end stops at once.
		let at = list.length;
		while (at > 0 && (list[at - 1] as Message).seq > message.seq) at -= 1;
		const next = [...list.slice(0, at), message, ...list.slice(at)];
		const dropped = next.length > this.#limit ? next.splice(0, next.length - this.#limit) : [];
		for (const gone of dropped) this.#ids.delete(gone.id);
		this.#ids.add(message.id);
		this.#messages = next;
		return true;
	}

	/** The room's storage was reset: earlier seqs mean nothing now. */
	clear(): void {
		this.#ids.clear();
		this.#messages = [];
	}
}

export class RoomStore {
	readonly client: RoomClient;
	readonly #messages: MessageList;
	readonly #listeners = new Set<() => void>();
	#snapshot: RoomSnapshot;
	/** An error reported while in the room, until the end of its turn: the one that closes the client is reported just before. */
	#closingError: RoomConnectionError | undefined;

	constructor(client: RoomClient, messageLimit: number) {
		this.client = client;
		this.#messages = new MessageList(messageLimit);
		this.#snapshot = { ...INITIAL_SNAPSHOT, state: client.state };
		client.on("state", (state) => this.#stateChanged(state));
		client.on("error", (error) => this.#errorReported(error));
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

	#stateChanged(state: RoomClientState): void {
		if (state === "registered") this.#update({ state, error: undefined });
		else if (state === "closed" && this.#closingError) this.#update({ state, error: this.#closingError });
		else this.#update({ state });
	}

	#errorReported(error: RoomError): void {
		const reported = { code: error.code, message: error.message };
		if (this.client.state !== "registered") {
			this.#update({ error: reported });
			return;
		}
		this.#closingError = reported;
		queueMicrotask(() => {
			this.#closingError = undefined;
		});
	}

	#addMessage(message: Message): void {
		if (this.#messages.add(message)) this.#update({ messages: this.#messages.messages });
	}

	#update(change: Partial<RoomSnapshot>): void {
		this.#snapshot = { ...this.#snapshot, ...change };
		for (const listener of [...this.#listeners]) listener();
	}
}
