/**
 * The room's live connections and its roster, kept in step, and delivery to them.
 * A cache: on first use after a wake-up it is rebuilt from the sockets' attachments.
 */
import { CloseCodes, encodeServerFrame, type LeaveReason, LeaveReasons, ServerEvents, type User } from "../protocol";
import { bufferedAmountOf, overBacklog, TOO_SLOW } from "./backlog";
import { Connection } from "./connection";
import { aggregateUser, type Identity, Roster, userChanged } from "./roster";

export interface HubOptions {
	/** Bytes that may wait for one connection to read; past them it is closed with 4001. */
	maxBufferedBytes: number;
	/** Where a connection closed for not reading is reported (the room adds its name). */
	warn: (text: string) => void;
}

/** A socket the room gives up on during a fan-out, let go of once the fan-out is over. */
interface Casualty {
	ws: WebSocket;
	cause: "slow" | "failed";
}

export class Hub {
	readonly #sockets: () => WebSocket[];
	readonly #options: HubOptions;
	#cache: { live: Map<WebSocket, Connection>; roster: Roster<WebSocket> } | undefined;

	/** `sockets` lists the object's accepted WebSockets (`ctx.getWebSockets`). */
	constructor(sockets: () => WebSocket[], options: HubOptions) {
		this.#sockets = sockets;
		this.#options = options;
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

	/** Sets a connection's identity; the caller replies, then `announce`s. */
	register(connection: Connection, identity: Identity): { user: User; before: User | undefined } {
		const { roster } = this.#state;
		const before = roster.user(identity.userId);
		connection.setIdentity(identity);
		roster.add(connection.socket, identity);
		return { user: roster.user(identity.userId) as User, before };
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
		this.#state.live.delete(ws);
		this.leave(connection, reason);
		connection.markClosed();
	}

	/** Sends one encoded frame to every registered connection but `except`. */
	broadcast(frame: string, except?: WebSocket): void {
		const casualties: Casualty[] = [];
		for (const [ws, connection] of this.#state.live) {
			if (ws !== except && connection.identity) this.#deliver(ws, frame, casualties);
		}
		this.#letGo(casualties);
	}

	/** Sends one encoded frame to every connection of one user but `except`. */
	sendToUser(userId: string, frame: string, except?: WebSocket): void {
		const casualties: Casualty[] = [];
		for (const ws of [...this.#state.roster.connectionsOf(userId)]) {
			if (ws !== except) this.#deliver(ws, frame, casualties);
		}
		this.#letGo(casualties);
	}

	/**
	 * Closes a connection with 4001 when more than `maxBufferedBytes` wait for it; true if it did.
	 * Asked before a request is handled: a peer that does not read gets no more replies.
	 */
	dropIfTooSlow(connection: Connection): boolean {
		if (!this.#tooSlow(connection.socket)) return false;
		this.#dropSlow(connection.socket);
		return true;
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

	/** One send of a fan-out; a peer over the bound is not sent more but closed once the fan-out is over. */
	#deliver(ws: WebSocket, frame: string, casualties: Casualty[]): void {
		if (this.#tooSlow(ws)) casualties.push({ ws, cause: "slow" });
		else if (!trySend(ws, frame)) casualties.push({ ws, cause: "failed" });
	}

	#tooSlow(ws: WebSocket): boolean {
		return overBacklog(bufferedAmountOf(ws), this.#options.maxBufferedBytes);
	}

	/** After the fan-out, so that the leaves it announces do not interleave with it. */
	#letGo(casualties: Casualty[]): void {
		for (const { ws, cause } of casualties) {
			// A socket that cannot be written to is gone, whatever the runtime has reported so far.
			if (cause === "failed") this.drop(ws, LeaveReasons.close, CloseCodes.internalError, "send failed");
			else this.#dropSlow(ws);
		}
	}

	#dropSlow(ws: WebSocket): void {
		const connection = this.#state.live.get(ws);
		if (!connection) return;
		const who = connection.identity ? `user "${connection.identity.userId}"` : "unregistered";
		this.#options.warn(
			`closing connection ${connection.id} (${who}) with ${TOO_SLOW.code}: ` +
				`${String(bufferedAmountOf(ws))} bytes wait for it, more than ${this.#options.maxBufferedBytes}`,
		);
		this.drop(ws, LeaveReasons.close, TOO_SLOW.code, TOO_SLOW.reason);
	}

	get #state() {
		if (this.#cache) return this.#cache;
		const live = new Map<WebSocket, Connection>();
		const roster = new Roster<WebSocket>();
		for (const ws of this.#sockets()) {
			const connection = Connection.restore(ws);
			if (!connection || connection.closed) continue;
			live.set(ws, connection);
			if (connection.identity) roster.add(ws, connection.identity);
		}
		this.#cache = { live, roster };
		return this.#cache;
	}
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
