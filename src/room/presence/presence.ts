/**
 * Who is present in a room: the registered connections, and the closed ones still in their leave
 * grace, kept in step in memory (the roster), in storage (the durable roster) and in what the
 * others are told (the feed). Keyed by connection id, so that a closed connection, which has no
 * socket any more, keeps its place until its grace ends or a new connection of its user takes it.
 */
import type { JsonObject, LeaveReason, OccupancyData, User } from "../../protocol";
import { aggregateUser, type Identity, Roster, type RosterChange } from "../roster";
import type { PresenceFeed } from "./feed";
import { GraceList } from "./grace";
import type { PresenceRow, PresenceStore } from "./store";

export interface PresenceOptions {
	store: PresenceStore;
	/** Who hears of changes: the object's own feed, and (1.3, at a root) its shards. */
	feed: Pick<PresenceFeed, "announce">;
	/** `LEAVE_GRACE_SECONDS`, in ms (0: a close is a leave at once). */
	graceMs: number;
	/**
	 * Graces that may end in one turn, and the pause before more may: a restart puts a whole room
	 * in grace at once, and its leaves must reach each reader at a pace it can read.
	 */
	leavePace: { burst: number; pauseMs: number };
	/** Told after a user joined the roster or left it (a return within the grace is neither). */
	changed: (change: RosterEvent) => void;
}

/** A user's arrival in the roster or departure from it, as the room's hooks hear of it. */
export type RosterEvent = { joined: User } | { left: User; reason: LeaveReason };

export class Presence {
	readonly #roster = new Roster<string>();
	readonly #grace = new GraceList();
	readonly #store: PresenceStore;
	readonly #feed: Pick<PresenceFeed, "announce">;
	readonly #graceMs: number;
	readonly #leavePace: { burst: number; pauseMs: number };
	readonly #changed: (change: RosterEvent) => void;
	/** No grace ends before this (epoch ms): the pause after a full burst of leaves. */
	#pausedUntil = 0;

	constructor(options: PresenceOptions) {
		this.#store = options.store;
		this.#feed = options.feed;
		this.#graceMs = options.graceMs;
		this.#leavePace = options.leavePace;
		this.#changed = options.changed;
	}

	/**
	 * Rebuilds from what survived: the live connections' identities, then the stored rows. A row
	 * that is neither live nor in its grace belonged to a connection that closed without the room
	 * hearing of it (a restart drops every socket without a close event): its grace starts now.
	 */
	restore(live: ReadonlyMap<string, Identity>, rows: readonly PresenceRow[], now: number): void {
		for (const [connectionId, identity] of live) this.#roster.add(connectionId, identity);
		for (const row of rows) {
			if (live.has(row.connectionId)) continue;
			const grace = row.grace ?? { until: now + this.#graceMs, reason: "close" as const };
			if (!row.grace) this.#store.grace(row.connectionId, grace.until, grace.reason);
			this.#roster.add(row.connectionId, row.identity);
			this.#grace.add({
				connectionId: row.connectionId,
				userId: row.identity.userId,
				...grace,
				registeredAt: row.identity.registeredAt,
			});
		}
	}

	users(): readonly User[] {
		return this.#roster.users();
	}

	/** The users list as JSON, as it is or as a previewed registration would leave it. */
	usersJson(change?: RosterChange<string>): string {
		return this.#roster.usersJson(change);
	}

	user(userId: string): User | undefined {
		return this.#roster.user(userId);
	}

	counts(): OccupancyData {
		return { userCount: this.#roster.size, connectionCount: this.#roster.connectionCount };
	}

	/** Connection ids of a user's registered connections, those in grace included. */
	connectionsOf(userId: string): Iterable<string> {
		return this.#roster.connectionsOf(userId);
	}

	/** A closed connection of `userId` that a new one would take the place of, if any. */
	placeFor(userId: string): string | undefined {
		return this.#grace.placeFor(userId)?.connectionId;
	}

	/**
	 * What registering `connectionId` as `identity` would make of the roster; nothing changes.
	 * A new connection of a user in grace takes a closed connection's place and its `registeredAt`,
	 * so that the others see nothing of a reconnect but what really changed.
	 */
	preview(connectionId: string, identity: Identity, reregistering: boolean): RosterChange<string> {
		const place = reregistering ? undefined : this.#grace.placeFor(identity.userId);
		if (!place) return this.#roster.preview(connectionId, identity);
		return this.#roster.preview(connectionId, { ...identity, registeredAt: place.registeredAt }, place.connectionId);
	}

	/**
	 * Makes a previewed registration, tells the registering connection (`reply`) and the others
	 * (but `except`), then stores it, in the same turn. What is sent before the write is not held
	 * by the runtime's output gate until the write is confirmed, so a join's reply waits for no
	 * storage round trip. A crash in that moment can only lose the row: this user, after the
	 * restart, is a new join instead of a return; no message or acknowledgement depends on it.
	 */
	register(change: RosterChange<string>, reply: () => void, except?: WebSocket): void {
		if (change.replaces !== undefined) this.#grace.delete(change.replaces);
		this.#roster.apply(change);
		reply();
		this.#feed.announce({ userId: change.user.userId, before: change.before, after: change.user }, except);
		// The row and what the change tells (1.4: its room events) are written together or not at all.
		this.#store.atomically(() => {
			if (change.replaces !== undefined) this.#store.delete(change.replaces);
			this.#store.live(change.key, change.identity);
			if (!change.before) this.#changed({ joined: change.user });
		});
	}

	/**
	 * Replaces name and/or meta of a user; stored. Every connection (those in grace too) takes the
	 * user's whole name and meta, not only the fields given: they all become the latest updated,
	 * so any of them may speak for the user, and one tab's older name must not come back.
	 */
	update(userId: string, fields: { name?: string; meta?: JsonObject }, now: number, except?: WebSocket) {
		const before = this.#roster.user(userId);
		if (!before) throw new Error(`"${userId}" is not present`);
		const shown = { name: before.name, meta: before.meta, ...fields };
		for (const connectionId of [...this.#roster.connectionsOf(userId)]) {
			const identity = this.#roster.identityOf(connectionId, userId);
			if (!identity) continue;
			const next = { ...identity, ...shown, updatedAt: now };
			this.#roster.add(connectionId, next);
			this.#store.update(connectionId, next);
		}
		const after = this.#roster.user(userId) as User;
		this.#feed.announce({ userId, before, after }, except);
		return { before, after, shown, updatedAt: now };
	}

	/** A connection leaves at once (Unregister, or a close with no grace). */
	leave(connectionId: string, identity: Identity, reason: LeaveReason): void {
		const before = this.#roster.user(identity.userId);
		if (!before || !this.#roster.identityOf(connectionId, identity.userId)) return;
		this.#roster.remove(connectionId, identity.userId);
		this.#grace.delete(connectionId);
		const after = this.#roster.user(identity.userId);
		const change = { userId: identity.userId, before, after, reason };
		const lastKnown = after ? undefined : aggregateUser([], identity);
		this.#feed.announce(lastKnown ? { ...change, lastKnown } : change);
		this.#store.atomically(() => {
			this.#store.delete(connectionId);
			if (lastKnown) this.#changed({ left: lastKnown, reason });
		});
	}

	/**
	 * (1.4) A user leaves at once with every connection, live or in grace, told as one leave (a
	 * `UserLeft`, not a lower count first); `removed` names the connections the room's shards close.
	 * Returns the user as they were, or undefined when absent.
	 */
	removeUser(userId: string, reason: LeaveReason, removed: string[] = []): User | undefined {
		const before = this.#roster.user(userId);
		if (!before) return undefined;
		const connections = [...this.#roster.connectionsOf(userId)];
		for (const connectionId of connections) {
			this.#roster.remove(connectionId, userId);
			this.#grace.delete(connectionId);
		}
		const lastKnown = { ...before, connections: 0 };
		const change = { userId, before, after: undefined, reason, lastKnown };
		this.#feed.announce(removed.length > 0 ? { ...change, removed } : change);
		// The rows and what the removal tells (its room events) are written together or not at all.
		this.#store.atomically(() => {
			for (const connectionId of connections) this.#store.delete(connectionId);
			this.#changed({ left: lastKnown, reason });
		});
		return before;
	}

	/** A registered connection closed: it stays present for the grace (or leaves now without one). */
	close(connectionId: string, identity: Identity, reason: LeaveReason, now: number): void {
		if (this.#graceMs === 0) {
			this.leave(connectionId, identity, reason);
			return;
		}
		if (!this.#roster.identityOf(connectionId, identity.userId)) return;
		const until = now + this.#graceMs;
		this.#grace.add({ connectionId, userId: identity.userId, until, reason, registeredAt: identity.registeredAt });
		this.#store.grace(connectionId, until, reason);
	}

	/**
	 * Ends the graces due at `now`, at most a burst of them, earliest first: the others hear then
	 * what a close would have told them. After a full burst the rest wait for the pause.
	 */
	expire(now: number): void {
		if (now < this.#pausedUntil) return;
		const due = this.#grace.due(now);
		const { burst, pauseMs } = this.#leavePace;
		for (const entry of due.slice(0, burst)) {
			const identity = this.#roster.identityOf(entry.connectionId, entry.userId);
			if (identity) this.leave(entry.connectionId, identity, entry.reason);
			else this.#grace.delete(entry.connectionId);
		}
		if (due.length > burst) this.#pausedUntil = now + pauseMs;
	}

	/** When the next grace ends (or, after a full burst of leaves, the pause does), for the room's alarm. */
	nextDeadline(): number | undefined {
		const earliest = this.#grace.earliest();
		return earliest === undefined ? undefined : Math.max(earliest, this.#pausedUntil);
	}

	get inGrace(): number {
		return this.#grace.size;
	}
}
