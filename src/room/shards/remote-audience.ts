/**
 * (1.3) At a room's root, the registered connections its shards hold: by id (a report names its
 * connection), by shard (which shards the stream follows) and by user (where `to` goes), and how
 * many hear presence (the room's delivery costs count them). The roster itself is the one
 * `Presence`, keyed by connection id like the root's own connections; this is only who is where.
 * Rebuilt from the durable roster's rows after a wake-up, like the rest of the Hub's state.
 */
import type { LeaveReason, PresenceMode } from "../../protocol";
import type { Presence } from "../presence/presence";
import type { PresenceStore } from "../presence/store";
import type { PresenceChange } from "../presence/window";
import type { RosterChange } from "../roster";
import type { Member, RemoteConnection } from "./remote-connection";

/** Where the root's roster changes go for its shards' connections (the presence log). */
export interface RemotePresenceSink {
	/** One change; `except`: the connection that caused it, which hears no event frame. */
	change(change: PresenceChange, except?: string): void;
	/** A `batched` window ended with this frame. */
	window(frame: string): void;
}

export class RemoteAudience {
	readonly #presence: () => Presence;
	readonly #store: PresenceStore;
	readonly #sink: () => RemotePresenceSink | undefined;
	/** The connection whose request is changing the roster now, if any. */
	#cause: string | undefined;
	/** Those hearing `batched` windows. */
	#batched = 0;
	/** A `batched` connection registering now: as on the root, it does not yet start a window by itself. */
	#joining = 0;
	readonly #byId = new Map<string, RemoteConnection>();
	readonly #byShard = new Map<number, Set<RemoteConnection>>();
	readonly #byUser = new Map<string, Set<RemoteConnection>>();
	/** Those hearing roster changes (`events` and `batched`). */
	#listeners = 0;

	constructor(
		presence: () => Presence,
		store: PresenceStore,
		sink: () => RemotePresenceSink | undefined = () => undefined,
	) {
		this.#presence = presence;
		this.#store = store;
		this.#sink = sink;
	}

	/** Whether some shard's connection hears `batched` windows (the root's window runs for it). */
	get batchedListeners(): boolean {
		return this.#batched - this.#joining > 0;
	}

	/** Runs a roster change caused by `connectionId`'s request: that connection hears no event frame of it. */
	causedBy<T>(connectionId: string, change: () => T): T {
		const outer = this.#cause;
		this.#cause = connectionId;
		try {
			return change();
		} finally {
			this.#cause = outer;
		}
	}

	/** Registered connections on all shards. */
	get size(): number {
		return this.#byId.size;
	}

	get(connectionId: string): RemoteConnection | undefined {
		return this.#byId.get(connectionId);
	}

	/** The shards holding registered connections. */
	shards(): IterableIterator<number> {
		return this.#byShard.keys();
	}

	/** Registered connections on one shard. */
	ofShard(shard: number): readonly RemoteConnection[] {
		return [...(this.#byShard.get(shard) ?? [])];
	}

	/** A user's registered connections on the shards. */
	ofUser(userId: string): readonly RemoteConnection[] {
		return [...(this.#byUser.get(userId) ?? [])];
	}

	/** Whether `userId` has a registered connection on `shard`. */
	holds(shard: number, userId: string): boolean {
		for (const connection of this.#byUser.get(userId) ?? []) if (connection.shard === shard) return true;
		return false;
	}

	/** Connections hearing roster changes, but `except`. */
	rosterListeners(except?: Member): number {
		const excluded = except && this.#byId.get(except.id) === except && hearsRoster(except.presenceMode) ? 1 : 0;
		return this.#listeners - excluded;
	}

	/**
	 * The root's roster changed: the presence log carries it to the shards (`except`, or the
	 * connection running the change, hears no event frame). Nothing while no shard holds a
	 * registered connection: a registration's stamp is taken after its own row.
	 */
	presence(change: PresenceChange, except?: string): void {
		if (this.#byId.size > 0) this.#sink()?.change(change, except ?? this.#cause);
	}

	/** A `batched` window ended: its frame for the shards' `batched` connections. */
	window(frame: string): void {
		if (this.#batched > 0) this.#sink()?.window(frame);
	}

	/** A registered connection of a shard found in the durable roster after a wake-up. */
	restore(connection: RemoteConnection): void {
		this.#add(connection);
	}

	/** Registers a shard's connection as the handler previewed it; its `Registered` becomes its reply. */
	register(
		connection: RemoteConnection,
		change: RosterChange<string>,
		how: { mode: PresenceMode; batch: boolean },
		registered: string,
	): void {
		if (connection.identity) this.#delete(connection);
		connection.register(change.identity, how.mode, how.batch);
		this.#add(connection);
		this.#joining = how.mode === "batched" ? 1 : 0;
		try {
			this.causedBy(connection.id, () => this.#presence().register(change, () => connection.replies.push(registered)));
		} finally {
			this.#joining = 0;
		}
		this.#store.locate(connection.id, connection.shard, how);
	}

	/** A shard's registered connection leaves at once (Unregister). */
	unregister(connection: RemoteConnection, reason: LeaveReason): void {
		const identity = connection.identity;
		if (!identity) return;
		this.#delete(connection);
		connection.unregister();
		this.causedBy(connection.id, () => this.#presence().leave(connection.id, identity, reason));
	}

	/** A shard's connection closed: its user stays present for the grace. Idempotent. */
	close(connectionId: string, reason: LeaveReason, now: number): void {
		const connection = this.#byId.get(connectionId);
		const identity = connection?.identity;
		if (!connection || !identity) return;
		this.#delete(connection);
		this.#presence().close(connectionId, identity, reason, now);
	}

	/** (1.4) A removed user's connections on the shards are forgotten here; the roster change is the caller's. */
	forgetUser(userId: string): readonly RemoteConnection[] {
		const connections = this.ofUser(userId);
		for (const connection of connections) {
			this.#delete(connection);
			connection.unregister();
		}
		return connections;
	}

	/** A shard restarted: every connection it held closed at `now`. */
	closeShard(shard: number, now: number): void {
		for (const connection of this.ofShard(shard)) this.close(connection.id, "close", now);
	}

	#add(connection: RemoteConnection): void {
		const identity = connection.identity;
		if (!identity) return;
		this.#byId.set(connection.id, connection);
		setOf(this.#byShard, connection.shard).add(connection);
		setOf(this.#byUser, identity.userId).add(connection);
		if (hearsRoster(connection.presenceMode)) this.#listeners++;
		if (connection.presenceMode === "batched") this.#batched++;
	}

	#delete(connection: RemoteConnection): void {
		if (this.#byId.get(connection.id) !== connection) return;
		this.#byId.delete(connection.id);
		deleteFrom(this.#byShard, connection.shard, connection);
		if (connection.identity) deleteFrom(this.#byUser, connection.identity.userId, connection);
		if (hearsRoster(connection.presenceMode)) this.#listeners--;
		if (connection.presenceMode === "batched") this.#batched--;
	}
}

const hearsRoster = (mode: PresenceMode) => mode !== "count";

function setOf<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
	const found = map.get(key);
	if (found) return found;
	const set = new Set<V>();
	map.set(key, set);
	return set;
}

function deleteFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
	const set = map.get(key);
	if (!set) return;
	set.delete(value);
	if (set.size === 0) map.delete(key);
}
