/**
 * The room job that the peers (partyserver, Node `ws`, Socket.IO) do in the benchmark: a roster of
 * registered users (with tab counts) and a message sequence, answering the same frames as the
 * project's protocol for the events the benchmark uses (Register, SendMessage, Signal, UpdateUser, close).
 * What a typical peer implementation keeps: everything in memory, no storage, light validation.
 * Pure: no runtime APIs, so it runs in workerd and in Node alike.
 */

export interface MiniUser {
	userId: string;
	name: string;
	meta: Record<string, unknown>;
	connections: number;
	joinedAt: number;
}

export interface ClientFrame {
	event: string;
	requestId?: string;
	requestData: Record<string, unknown>;
}

/** The same envelope as the project's `encodeServerFrame`. */
export function serverFrame(event: string, data: unknown, requestId?: string): string {
	return JSON.stringify(
		requestId === undefined
			? { eventType: "ServerEvent", event, data }
			: { eventType: "ServerEvent", event, requestId, data },
	);
}

/** Parses a client frame, or returns an `Error` frame to send back. */
export function parseFrame(text: string): ClientFrame | string {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		return serverFrame("Error", { code: "BAD_JSON", message: "frame is not JSON" });
	}
	const frame = value as { eventType?: unknown; event?: unknown; requestId?: unknown; requestData?: unknown };
	if (typeof frame !== "object" || frame === null || frame.eventType !== "ClientEvent") {
		return serverFrame("Error", { code: "BAD_REQUEST", message: "not a ClientEvent" });
	}
	const requestId = typeof frame.requestId === "string" ? frame.requestId : undefined;
	if (typeof frame.event !== "string") {
		return serverFrame("Error", { code: "BAD_REQUEST", message: "event is required" }, requestId);
	}
	const requestData =
		typeof frame.requestData === "object" && frame.requestData !== null
			? (frame.requestData as Record<string, unknown>)
			: {};
	return requestId === undefined ? { event: frame.event, requestData } : { event: frame.event, requestId, requestData };
}

/** Registered users and their connection counts, in memory. */
export class MiniRoster {
	readonly #users = new Map<string, MiniUser>();
	#seq = 0;

	/** Adds one connection of a user; `joined` when it is the user's first. */
	add(userId: string, name: string, now: number): { user: MiniUser; joined: boolean } {
		const user = this.#users.get(userId);
		if (user) {
			user.connections++;
			return { user, joined: false };
		}
		const created: MiniUser = { userId, name, meta: {}, connections: 1, joinedAt: now };
		this.#users.set(userId, created);
		return { user: created, joined: true };
	}

	/** Removes one connection of a user; `left` when it was the last. */
	remove(userId: string): { user: MiniUser; left: boolean } | undefined {
		const user = this.#users.get(userId);
		if (!user) return undefined;
		user.connections--;
		if (user.connections > 0) return { user, left: false };
		this.#users.delete(userId);
		return { user, left: true };
	}

	/** Applies an `UpdateUser`'s changes; `changed` when the user is not as before (only then do the others hear of it). */
	update(userId: string, changes: UserChanges): { user: MiniUser; changed: boolean } | undefined {
		const user = this.#users.get(userId);
		if (!user) return undefined;
		const before = JSON.stringify([user.name, user.meta]);
		if (changes.name !== undefined) user.name = changes.name;
		if (changes.meta !== undefined) user.meta = changes.meta;
		return { user, changed: JSON.stringify([user.name, user.meta]) !== before };
	}

	users(): MiniUser[] {
		return [...this.#users.values()];
	}

	nextSeq(): number {
		return ++this.#seq;
	}
}

export interface UserChanges {
	name?: string;
	meta?: Record<string, unknown>;
}

/** An `UpdateUser`'s changes (a name, a meta object, or both), or an `Error` frame to send back. */
export function userChanges(requestData: Record<string, unknown>, requestId?: string): UserChanges | string {
	const { name, meta } = requestData;
	const changes: UserChanges = {};
	if (typeof name === "string" && name !== "") changes.name = name;
	if (typeof meta === "object" && meta !== null && !Array.isArray(meta)) changes.meta = meta as Record<string, unknown>;
	if (changes.name === undefined && changes.meta === undefined) {
		return serverFrame("Error", { code: "BAD_REQUEST", message: "name or meta is required" }, requestId);
	}
	return changes;
}

/** The `Message` and `MessageAck` frames for a message, each encoded once. */
export function messageFrames(
	roster: MiniRoster,
	from: { userId: string; name: string },
	message: unknown,
	requestId: string | undefined,
	id: string,
): { frame: string; ack: string } {
	const seq = roster.nextSeq();
	const sentAt = Date.now();
	return {
		frame: serverFrame("Message", { id, seq, from, message, sentAt }),
		ack: serverFrame("MessageAck", { id, seq, sentAt }, requestId),
	};
}

/** The `Signal` frame for a signal, encoded once: no seq, nothing kept, no reply. */
export function signalFrame(from: { userId: string; name: string }, signal: unknown): string {
	return serverFrame("Signal", { from, signal, sentAt: Date.now() });
}
