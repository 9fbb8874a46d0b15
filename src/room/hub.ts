/**
 * The room's live connections, who is present, and delivery to them. A cache: on first use
 * after a wake-up it is rebuilt from the sockets' attachments and the durable roster.
 */
import { clock } from "../clock";
import type { JsonObject, LeaveReason, OccupancyData, PresenceMode, User } from "../protocol";
import { Connection } from "./connection";
import { FanOut } from "./fan-out";
import { buildHubState, countVerified, type HubState } from "./hub-state";
import { mqttSender } from "./mqtt/egress";
import type { RosterEvent } from "./presence/presence";
import type { PresenceStore } from "./presence/store";
import { removeFromHub } from "./removal";
import type { Identity, RosterChange } from "./roster";
import type { RemoteAudience, RemotePresenceSink } from "./shards/remote-audience";
import type { Member } from "./shards/remote-connection";
import { SlowReaders } from "./slow-readers";

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
	released?: (connection: Connection, reason: LeaveReason) => void;
	/** (1.5) An MQTT session ends (not yet left): its will and its last progress go out. */
	releasing?: (connection: Connection, reason: LeaveReason) => void;
	/** (1.5) An MQTT session's CONNECT was answered: the packets behind it may run. */
	mqttOpened?: (connection: Connection) => void;
	/** (1.3) A shard's Hub: its registered connections hear the root's stream; the roster is the root's. */
	mirror?: boolean;
	/** (1.3) At a root with shards: where roster changes go for the shards' connections. */
	remotePresence?: () => RemotePresenceSink | undefined;
}

type ShardRegistration = { mode: PresenceMode; batch: boolean; seq: number; pres: number };

export class Hub {
	readonly #options: HubOptions;
	readonly #fanOut: FanOut;
	readonly #readers: SlowReaders;
	#cache: HubState | undefined;

	constructor(options: HubOptions) {
		this.#options = options;
		this.#readers = new SlowReaders(
			{ ...options, get: (ws) => this.#state.live.get(ws), release: (ws, reason) => this.release(ws, reason) },
			() => this.#fanOut,
		);
		this.#fanOut = new FanOut({
			maxBufferedBytes: options.maxBufferedBytes,
			batchMs: options.batchMs,
			now: clock.now,
			letGo: (casualties) => this.#readers.letGo(casualties),
			mqtt: mqttSender(
				(ws) => this.#state.live.get(ws),
				(connection) => options.mqttOpened?.(connection),
			),
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
	verifiedConnections = (userId: string): number => this.#state.verified.get(userId) ?? 0;

	/** The connection behind a socket, unless the room has let go of it. */
	get = (ws: WebSocket): Connection | undefined => this.#state.live.get(ws);

	/** Everyone present (leave grace included), earliest joiner first: one list per change. */
	users(): readonly User[] {
		return this.#state.presence.users();
	}

	/** The users list as JSON, as a previewed registration would leave it. */
	usersJsonAfter(change: RosterChange<string>): string {
		return this.#state.presence.usersJson(change);
	}

	user = (userId: string): User | undefined => this.#state.presence.user(userId);

	counts(): OccupancyData {
		return this.#state.presence.counts();
	}

	/** Whether a new connection of `userId` would take the place of one in its leave grace. */
	hasPlaceFor(userId: string): boolean {
		return this.#state.presence.placeFor(userId) !== undefined;
	}

	/** What registering `connection` as `identity` would make of the roster; nothing changes yet. */
	previewRegister(connection: Member, identity: Identity): RosterChange<string> {
		return this.#state.presence.preview(connection.id, identity, connection.identity !== undefined);
	}

	/** Makes a previewed registration and sends its `Registered` (encoded before); the others hear of it. */
	register(
		connection: Member,
		change: RosterChange<string>,
		how: { mode: PresenceMode; batch: boolean },
		registered: string,
	): void {
		const { presence, feed, audience, remote } = this.#state;
		if (!connection.socket) {
			remote.register(connection, change, how, registered);
			return;
		}
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

	/** A reply to a member's request: sent, or (a shard's connection) kept for the shard to send. */
	answer(member: Member, frame: string): void {
		if (member.socket) this.#fanOut.sendOne(member.socket, frame);
		else member.replies.push(frame);
	}

	/** Sends what waited for batched connections long enough; on every event the room handles. */
	flushDue(now: number): void {
		this.#fanOut.flushDue(now);
	}

	/** Replaces name and/or meta for every connection of a user; the others hear of a real change. */
	updateUser(userId: string, fields: { name?: string; meta?: JsonObject }, except: Member) {
		const { presence, byId, live, remote } = this.#state;
		const result = remote.causedBy(except.id, () => presence.update(userId, fields, clock.now(), except.socket));
		const local = [...presence.connectionsOf(userId)].flatMap((id) => live.get(byId.get(id) as WebSocket) ?? []);
		for (const connection of [...remote.ofUser(userId), ...local]) {
			const identity = connection.identity;
			if (identity) connection.rename({ ...identity, ...result.shown, updatedAt: result.updatedAt });
		}
		return result;
	}

	/** A registered connection leaves at once (Unregister); it stays open. Idempotent. */
	unregister(connection: Member, reason: LeaveReason): void {
		const identity = connection.identity;
		if (!identity) return;
		const { presence, feed, audience, remote } = this.#state;
		if (!connection.socket) {
			remote.unregister(connection, reason);
			return;
		}
		feed.forget(connection.socket);
		audience.delete(connection.socket);
		connection.unregister();
		presence.leave(connection.id, identity, reason);
	}

	/**
	 * Lets go of a socket for good: its user stays present for the leave grace, its attachment says
	 * it is closed (a socket whose close woke the room is found by its attachment alone).
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
		if (identity && connection.mqtt) this.#options.releasing?.(connection, reason);
		if (identity) state.presence.close(connection.id, identity, reason, clock.now());
		connection.markClosed();
		this.#options.released?.(connection, reason);
	}

	/** (1.4) A backend removes a user: see removal.ts. */
	removeUser(userId: string, onShards: readonly string[]) {
		return removeFromHub(this.#state, userId, onShards, (ws, code, text) => this.drop(ws, "removed", code, text));
	}

	/** (1.3) At a shard: the root registered `connection`; it hears the room's streams after its stamps. */
	attach(connection: Connection, identity: Identity, how: ShardRegistration): void {
		connection.register(identity, how.mode, how.batch, how.seq, how.pres);
		this.#fanOut.batcher.set(connection.socket, how.batch);
		this.#state.audience.add(connection.socket);
	}

	/** (1.3) At a shard: the root unregistered `connection`; it stays open. */
	detach(connection: Connection): void {
		this.#state.audience.delete(connection.socket);
		connection.unregister();
	}

	/** This object's live connection with this id, if any. */
	byId(connectionId: string): Connection | undefined {
		const ws = this.#state.byId.get(connectionId);
		return ws && this.#state.live.get(ws);
	}

	/** Sends one encoded frame to each socket but `except`, through the slow-reader bound and the batcher. */
	sendAll(sockets: Iterable<WebSocket>, frame: string, except?: WebSocket): void {
		this.#fanOut.sendAll(sockets, frame, except);
	}

	/** (1.3) At a root, its shards' registered connections (the shards report their changes). */
	get remote(): RemoteAudience {
		return this.#state.remote;
	}

	/** Ends the leave graces due at `now`: the others hear then what a close would have told them. */
	expireGrace(now: number): void {
		this.#state.presence.expire(now);
	}

	/** When the next leave grace ends, if any: what the room's alarm waits for. */
	nextGraceDeadline(): number | undefined {
		return this.#state.presence.nextDeadline();
	}

	/** Deliveries a broadcast makes, the room's shards' included: one to each registered connection but `except`. */
	broadcastCost(except?: Member): number {
		const { audience, remote } = this.#state;
		const excluded = except?.identity && (!except.socket || audience.has(except.socket)) ? 1 : 0;
		return audience.size + remote.size - excluded;
	}

	/** Deliveries a send to one user makes: one to each of their live connections (on any object) but `except`. */
	userCost(userId: string, except?: Member): number {
		const remote = this.#state.remote.ofUser(userId).filter((connection) => connection !== except).length;
		return remote + this.#socketsOf(userId).filter((ws) => ws !== except?.socket).length;
	}

	/** Deliveries a change of the roster may make: one to each `events` and `batched` connection but `except`. */
	presenceCost(except?: Member): number {
		return this.#state.feed.rosterListeners(except?.socket) + this.#state.remote.rosterListeners(except);
	}

	/** Sends one encoded frame to every registered connection of this object but `except`. */
	broadcast(frame: string, except?: Member): void {
		this.sendAll(this.#state.audience, frame, except?.socket);
	}

	/** Sends one encoded frame to every live connection of one user on this object but `except`. */
	sendToUser(userId: string, frame: string, except?: Member): void {
		this.sendAll(this.#socketsOf(userId), frame, except?.socket);
	}

	/** The live sockets of a user's registered connections (those in grace have none). */
	#socketsOf(userId: string): WebSocket[] {
		const { presence, byId } = this.#state;
		return [...presence.connectionsOf(userId)].flatMap((connectionId) => byId.get(connectionId) ?? []);
	}

	/** Closes a connection with 4001 when more than `maxBufferedBytes` wait for it; true if it did. */
	dropIfTooSlow(connection: Connection): boolean {
		return this.#readers.dropIfTooSlow(connection);
	}

	/** Releases a socket and closes it from this side, for a peer the room gives up on, after what waited for it. */
	drop(ws: WebSocket, reason: LeaveReason, code: number, text: string): void {
		this.#readers.drop(ws, reason, code, text);
	}

	get #state(): HubState {
		if (!this.#cache) {
			this.#cache = buildHubState(this.#options, (targets, frame, except) => this.sendAll(targets, frame, except));
			// Which connections asked for batched frames survives in their attachments; nothing waits after a wake-up.
			for (const connection of this.#cache.live.values()) {
				if (connection.batch) this.#fanOut.batcher.set(connection.socket, true);
			}
		}
		return this.#cache;
	}
}
