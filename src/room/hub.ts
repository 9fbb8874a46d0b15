/**
 * The room's live connections, who is present, and delivery to them. A cache: on first use
 * after a wake-up it is rebuilt from the sockets' attachments and the durable roster.
 */
import { clock } from "../clock";
import {
	CloseCodes,
	type JsonObject,
	type LeaveReason,
	LeaveReasons,
	type OccupancyData,
	type PresenceMode,
	type User,
} from "../protocol";
import { bufferedAmountOf, TOO_SLOW } from "./backlog";
import { Connection } from "./connection";
import { type Casualty, FanOut } from "./fan-out";
import { buildHubState, countVerified, type HubState } from "./hub-state";
import type { RosterEvent } from "./presence/presence";
import type { PresenceStore } from "./presence/store";
import type { Identity, RosterChange } from "./roster";

export interface HubOptions {
	/** The object's accepted WebSockets (`ctx.getWebSockets`). */
	sockets: () => WebSocket[];
	store: PresenceStore;
	graceMs: number;
	/** `PRESENCE_BATCH_MS`: the window of `batched` presence. */
	presenceBatchMs: number;
	/** `BATCH_MS`: how long an event may wait for a connection that asked for batched frames. */
	batchMs: number;
	/** Bytes that may wait for one connection to read; past them it is closed with 4001. */
	maxBufferedBytes: number;
	/** Where a connection closed for not reading is reported (the room adds its name). */
	warn: (text: string) => void;
	/** Told after a fan-out let go of peers: their leave graces end at times the room's alarm must know. */
	letGo: () => void;
	/** Told after a user joined the roster or left it, whatever entry point changed it. */
	rosterChanged: (change: RosterEvent) => void;
	/** Told once for each connection the room lets go of, whatever the cause (a shard tells its root). */
	released?: (connection: Connection) => void;
}

export class Hub {
	readonly #options: HubOptions;
	readonly #fanOut: FanOut;
	#cache: HubState | undefined;

	constructor(options: HubOptions) {
		this.#options = options;
		this.#fanOut = new FanOut({
			maxBufferedBytes: options.maxBufferedBytes,
			batchMs: options.batchMs,
			now: clock.now,
			letGo: (casualties) => this.#letGo(casualties),
		});
	}

	/** Whether nobody is here: no connection, registered or not, and nobody in leave grace. */
	get empty(): boolean {
		const state = this.#state;
		return state.live.size === 0 && state.presence.counts().connectionCount === 0;
	}

	/** How many connections the room holds (registered or not). */
	get size(): number {
		return this.#state.live.size;
	}

	connections(): IterableIterator<Connection> {
		return this.#state.live.values();
	}

	add(connection: Connection): void {
		const state = this.#state;
		state.live.set(connection.socket, connection);
		state.byId.set(connection.id, connection.socket);
		countVerified(state.verified, connection, 1);
	}

	/** How many connections (registered or not) hold a token for this user. */
	verifiedConnections(userId: string): number {
		return this.#state.verified.get(userId) ?? 0;
	}

	/** The connection behind a socket, unless the room has let go of it. */
	get(ws: WebSocket): Connection | undefined {
		return this.#state.live.get(ws);
	}

	/** Everyone present (leave grace included), earliest joiner first: one list per change. */
	users(): readonly User[] {
		return this.#state.presence.users();
	}

	/** The users list as JSON, as a previewed registration would leave it. */
	usersJsonAfter(change: RosterChange<string>): string {
		return this.#state.presence.usersJson(change);
	}

	user(userId: string): User | undefined {
		return this.#state.presence.user(userId);
	}

	counts(): OccupancyData {
		return this.#state.presence.counts();
	}

	/** Whether a new connection of `userId` would take the place of one in its leave grace. */
	hasPlaceFor(userId: string): boolean {
		return this.#state.presence.placeFor(userId) !== undefined;
	}

	/** What registering `connection` as `identity` would make of the roster; nothing changes yet. */
	previewRegister(connection: Connection, identity: Identity): RosterChange<string> {
		return this.#state.presence.preview(connection.id, identity, connection.identity !== undefined);
	}

	/**
	 * Makes a previewed registration and sends the connection its `Registered` (encoded before
	 * anything changed); the others hear of it, the registering connection does not.
	 */
	register(
		connection: Connection,
		change: RosterChange<string>,
		how: { mode: PresenceMode; batch: boolean },
		registered: string,
	): void {
		const { presence, feed, audience } = this.#state;
		const ws = connection.socket;
		connection.register(change.identity, how.mode, how.batch);
		// Batching ends after what it held; a `Registered` asking for it may itself be held.
		this.#fanOut.batcher.set(ws, how.batch);
		audience.add(ws);
		presence.register(change, () => this.#fanOut.sendOne(ws, registered), ws);
		feed.listen(ws, how.mode);
	}

	/** A reply to a connection's own request, or its refusal: in order with what else it is sent. */
	reply(ws: WebSocket, frame: string): void {
		this.#fanOut.sendOne(ws, frame);
	}

	/** Sends what waited for batched connections long enough; on every event the room handles. */
	flushDue(now: number): void {
		this.#fanOut.flushDue(now);
	}

	/** Replaces name and/or meta for every connection of a user; the others hear of a real change. */
	updateUser(userId: string, fields: { name?: string; meta?: JsonObject }, except: WebSocket) {
		const { presence, byId, live } = this.#state;
		const result = presence.update(userId, fields, clock.now(), except);
		for (const connectionId of presence.connectionsOf(userId)) {
			const connection = live.get(byId.get(connectionId) as WebSocket);
			const identity = connection?.identity;
			if (connection && identity) connection.rename({ ...identity, ...result.shown, updatedAt: result.updatedAt });
		}
		return result;
	}

	/** A registered connection leaves at once (Unregister); it stays open. Idempotent. */
	unregister(connection: Connection, reason: LeaveReason): void {
		const identity = connection.identity;
		if (!identity) return;
		const { presence, feed, audience } = this.#state;
		feed.forget(connection.socket);
		audience.delete(connection.socket);
		connection.unregister();
		presence.leave(connection.id, identity, reason);
	}

	/**
	 * Lets go of a socket for good: its user stays present for the leave grace, and its attachment
	 * says it is closed in case the socket lingers. A socket whose close is what woke the room is
	 * no longer among the runtime's sockets when the cache is rebuilt: its attachment says who it was.
	 */
	release(ws: WebSocket, reason: LeaveReason): void {
		const state = this.#state;
		const connection = state.live.get(ws) ?? Connection.restore(ws);
		this.#fanOut.batcher.discard(ws);
		if (!connection || connection.closed) return;
		if (state.live.delete(ws)) countVerified(state.verified, connection, -1);
		state.byId.delete(connection.id);
		state.audience.delete(ws);
		state.feed.forget(ws);
		const identity = connection.identity;
		if (identity) state.presence.close(connection.id, identity, reason, clock.now());
		connection.markClosed();
		this.#options.released?.(connection);
	}

	/** Ends the leave graces due at `now`: the others hear then what a close would have told them. */
	expireGrace(now: number): void {
		this.#state.presence.expire(now);
	}

	/** When the next leave grace ends, if any: what the room's alarm waits for. */
	nextGraceDeadline(): number | undefined {
		return this.#state.presence.nextDeadline();
	}

	/** Deliveries a broadcast makes: one to each registered connection but `except`. */
	broadcastCost(except?: WebSocket): number {
		const { audience } = this.#state;
		return audience.size - (except && audience.has(except) ? 1 : 0);
	}

	/** Deliveries a send to one user makes: one to each of their live connections but `except`. */
	userCost(userId: string, except?: WebSocket): number {
		return this.#socketsOf(userId).filter((ws) => ws !== except).length;
	}

	/** Deliveries a change of the roster may make: one to each `events` and `batched` connection but `except`. */
	presenceCost(except?: WebSocket): number {
		return this.#state.feed.rosterListeners(except);
	}

	/** Sends one encoded frame to every registered connection but `except`. */
	broadcast(frame: string, except?: WebSocket): void {
		this.#sendAll(this.#state.audience, frame, except);
	}

	/** Sends one encoded frame to every live connection of one user but `except`. */
	sendToUser(userId: string, frame: string, except?: WebSocket): void {
		this.#sendAll(this.#socketsOf(userId), frame, except);
	}

	/** The live sockets of a user's registered connections (those in grace have none). */
	#socketsOf(userId: string): WebSocket[] {
		const { presence, byId } = this.#state;
		const sockets: WebSocket[] = [];
		for (const connectionId of presence.connectionsOf(userId)) {
			const ws = byId.get(connectionId);
			if (ws) sockets.push(ws);
		}
		return sockets;
	}

	/**
	 * Closes a connection with 4001 when more than `maxBufferedBytes` wait for it; true if it did.
	 * Asked before a request is handled: a peer that does not read gets no more replies.
	 */
	dropIfTooSlow(connection: Connection): boolean {
		if (!this.#fanOut.overBacklog(connection.socket)) return false;
		this.#dropSlow(connection.socket);
		return true;
	}

	/** Releases a socket and closes it from this side, for a peer the room gives up on, after what waited for it. */
	drop(ws: WebSocket, reason: LeaveReason, code: number, text: string): void {
		this.#fanOut.batcher.flush(ws);
		this.release(ws, reason);
		try {
			ws.close(code, text);
		} catch {
			// already closed: it has been released all the same
		}
	}

	#sendAll(sockets: Iterable<WebSocket>, frame: string, except?: WebSocket): void {
		this.#fanOut.sendAll(sockets, frame, except);
	}

	/** After the fan-out, so that the leaves it announces do not interleave with it. */
	#letGo(casualties: Casualty[]): void {
		for (const { ws, cause } of casualties) {
			// Neither is sent what waits for it: one cannot be written to, the other does not read.
			if (cause === "failed") {
				this.#fanOut.batcher.discard(ws);
				// A socket that cannot be written to is gone, whatever the runtime has reported so far.
				this.drop(ws, LeaveReasons.close, CloseCodes.internalError, "send failed");
			} else this.#dropSlow(ws);
		}
		this.#options.letGo();
	}

	#dropSlow(ws: WebSocket): void {
		const connection = this.#state.live.get(ws);
		if (!connection) return;
		const who = connection.identity ? `user "${connection.identity.userId}"` : "unregistered";
		const buffered = bufferedAmountOf(ws);
		const waiting = (typeof buffered === "number" ? buffered : 0) + this.#fanOut.batcher.held(ws);
		this.#options.warn(
			`closing connection ${connection.id} (${who}) with ${TOO_SLOW.code}: ` +
				`${String(waiting)} bytes wait for it, more than ${this.#options.maxBufferedBytes}`,
		);
		this.#fanOut.batcher.discard(ws);
		this.drop(ws, LeaveReasons.close, TOO_SLOW.code, TOO_SLOW.reason);
	}

	get #state(): HubState {
		if (!this.#cache) {
			this.#cache = buildHubState(this.#options, (targets, frame, except) => this.#sendAll(targets, frame, except));
			// Which connections asked for batched frames survives in their attachments; nothing waits after a wake-up.
			for (const connection of this.#cache.live.values()) {
				if (connection.batch) this.#fanOut.batcher.set(connection.socket, true);
			}
		}
		return this.#cache;
	}
}
