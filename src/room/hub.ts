/**
 * The room's live connections and its roster, kept in step, and delivery to them.
 * A cache: on first use after a wake-up it is rebuilt from the sockets' attachments.
 */
import {
	CloseCodes,
	encodeServerFrame,
	type JsonObject,
	type LeaveReason,
	LeaveReasons,
	ServerEvents,
	type User,
} from "../protocol";
import { Connection } from "./connection";
import { aggregateUser, type Identity, Roster, type RosterChange, userChanged } from "./roster";

export class Hub {
	readonly #sockets: () => WebSocket[];
	#cache: { live: Map<WebSocket, Connection>; roster: Roster<WebSocket>; verified: Map<string, number> } | undefined;

	/** `sockets` lists the object's accepted WebSockets (`ctx.getWebSockets`). */
	constructor(sockets: () => WebSocket[]) {
		this.#sockets = sockets;
	}

	/** How many connections the room holds (registered or not). */
	get size(): number {
		return this.#state.live.size;
	}

	connections(): IterableIterator<Connection> {
		return this.#state.live.values();
	}

	add(connection: Connection): void {
		this.#state.live.set(connection.socket, connection);
		countVerified(this.#state.verified, connection, 1);
	}

	/** How many connections (registered or not) hold a token for this user: kept, not counted per upgrade. */
	verifiedConnections(userId: string): number {
		return this.#state.verified.get(userId) ?? 0;
	}

	/** The connection behind a socket, unless the room has let go of it. */
	get(ws: WebSocket): Connection | undefined {
		return this.#state.live.get(ws);
	}

	/** The roster's cached list: built once per change, not once per Register. */
	users(): readonly User[] {
		return this.#state.roster.users();
	}

	user(userId: string): User | undefined {
		return this.#state.roster.user(userId);
	}

	/** What registering `connection` as `identity` would make of the roster; nothing changes yet. */
	previewRegister(connection: Connection, identity: Identity): RosterChange<WebSocket> {
		return this.#state.roster.preview(connection.socket, identity);
	}

	/** Makes a previewed registration: the connection's identity and the roster; the caller replies, then `announce`s. */
	register(connection: Connection, change: RosterChange<WebSocket>): void {
		connection.setIdentity(change.identity);
		this.#state.roster.apply(change);
	}

	/**
	 * Replaces name and/or meta for every registered connection of a user, so that no tab speaks
	 * for an older version of them later. Returns the user before and after.
	 */
	updateUser(userId: string, fields: { name?: string; meta?: JsonObject }, now: number): { before: User; after: User } {
		const { roster, live } = this.#state;
		const before = roster.user(userId);
		if (!before) throw new Error(`updateUser: "${userId}" is not registered`);
		for (const ws of [...roster.connectionsOf(userId)]) {
			const connection = live.get(ws);
			const identity = connection?.identity;
			if (!connection || !identity) continue;
			const next = { ...identity, ...fields, updatedAt: now };
			connection.setIdentity(next);
			roster.add(ws, next);
		}
		return { before, after: roster.user(userId) as User };
	}

	/** Tells everyone else of a registration: a join, or an update of a user already present. */
	announce(connection: Connection, user: User, before: User | undefined): void {
		if (!before) this.broadcast(encodeServerFrame(ServerEvents.UserJoined, { user }), connection.socket);
		else if (userChanged(before, user)) {
			this.broadcast(encodeServerFrame(ServerEvents.UserUpdated, { user }), connection.socket);
		}
	}

	/**
	 * Takes a registered connection out of the roster and tells the others: `UserLeft` after a
	 * user's last connection, otherwise `UserUpdated` with the new count. Idempotent.
	 */
	leave(connection: Connection, reason: LeaveReason): void {
		const identity = connection.identity;
		if (!identity) return;
		this.#state.roster.remove(connection.socket, identity.userId);
		connection.setIdentity(undefined);
		const remaining = this.#state.roster.user(identity.userId);
		if (remaining) this.broadcast(encodeServerFrame(ServerEvents.UserUpdated, { user: remaining }));
		else this.broadcast(encodeServerFrame(ServerEvents.UserLeft, { user: aggregateUser([], identity), reason }));
	}

	/**
	 * Lets go of a socket for good: it leaves, and its attachment says so in case the socket lingers.
	 * A socket whose close is what woke the room is no longer among the runtime's sockets when the
	 * cache is rebuilt, so its own attachment is read to find who is leaving.
	 */
	release(ws: WebSocket, reason: LeaveReason): void {
		const connection = this.#state.live.get(ws) ?? Connection.restore(ws);
		if (!connection || connection.closed) return;
		if (this.#state.live.delete(ws)) countVerified(this.#state.verified, connection, -1);
		this.leave(connection, reason);
		connection.markClosed();
	}

	/** Sends one encoded frame to every registered connection but `except`. */
	broadcast(frame: string, except?: WebSocket): void {
		const failed: WebSocket[] = [];
		for (const [ws, connection] of this.#state.live) {
			if (ws !== except && connection.identity && !trySend(ws, frame)) failed.push(ws);
		}
		this.#releaseFailed(failed);
	}

	/** Sends one encoded frame to every connection of one user but `except`. */
	sendToUser(userId: string, frame: string, except?: WebSocket): void {
		const failed: WebSocket[] = [];
		for (const ws of [...this.#state.roster.connectionsOf(userId)]) {
			if (ws !== except && !trySend(ws, frame)) failed.push(ws);
		}
		this.#releaseFailed(failed);
	}

	/** Releases a socket and closes it from this side, for a peer the room gives up on. */
	drop(ws: WebSocket, reason: LeaveReason, code: number, text: string): void {
		this.release(ws, reason);
		try {
			ws.close(code, text);
		} catch {
			// already closed: it has been released all the same
		}
	}

	/** A socket that cannot be written to is gone, whatever the runtime has reported so far. */
	#releaseFailed(failed: WebSocket[]): void {
		for (const ws of failed) this.drop(ws, LeaveReasons.close, CloseCodes.internalError, "send failed");
	}

	get #state() {
		if (this.#cache) return this.#cache;
		const live = new Map<WebSocket, Connection>();
		const roster = new Roster<WebSocket>();
		const verified = new Map<string, number>();
		for (const ws of this.#sockets()) {
			const connection = Connection.restore(ws);
			if (!connection || connection.closed) continue;
			live.set(ws, connection);
			countVerified(verified, connection, 1);
			if (connection.identity) roster.add(ws, connection.identity);
		}
		this.#cache = { live, roster, verified };
		return this.#cache;
	}
}

/** Keeps `counts` (connections per verified user) in step with the live connections. */
function countVerified(counts: Map<string, number>, connection: Connection, change: 1 | -1): void {
	const userId = connection.verified?.userId;
	if (userId === undefined) return;
	const count = (counts.get(userId) ?? 0) + change;
	if (count > 0) counts.set(userId, count);
	else counts.delete(userId);
}

/** Sends, reporting instead of throwing when the peer is already gone. */
export function trySend(ws: WebSocket, frame: string): boolean {
	try {
		ws.send(frame);
		return true;
	} catch {
		return false;
	}
}
