/**
 * Presence as a pure function of the registered connections: a user is the aggregate of
 * all of their registered connections (tabs) in the room. No runtime needed to test it.
 */
import type { JsonObject, User } from "../protocol";
import { UserList } from "./user-list";

/** What one registered connection says about its user. */
export interface Identity {
	userId: string;
	name: string;
	meta: JsonObject;
	/** When this connection registered (epoch ms); kept across re-registration. */
	registeredAt: number;
	/** When this connection last set name/meta; the most recent one speaks for the user. */
	updatedAt: number;
}

/**
 * Aggregates one user's connections: `connections` counts them, `joinedAt` is the earliest
 * registration, and name/meta come from the most recently updated connection.
 * Returns `connections: 0` for an empty list, given the last known identity.
 */
export function aggregateUser(identities: Iterable<Identity>, lastKnown?: Identity): User {
	let count = 0;
	let joinedAt = Number.POSITIVE_INFINITY;
	let latest: Identity | undefined;
	for (const identity of identities) {
		count++;
		if (identity.registeredAt < joinedAt) joinedAt = identity.registeredAt;
		if (!latest || identity.updatedAt >= latest.updatedAt) latest = identity;
	}
	const source = latest ?? lastKnown;
	if (!source) throw new Error("aggregateUser needs at least one identity");
	return {
		userId: source.userId,
		name: source.name,
		meta: source.meta,
		connections: count,
		joinedAt: count > 0 ? joinedAt : source.registeredAt,
	};
}

/** Whether two views of a user differ in anything a client shows. */
export function userChanged(before: User, after: User): boolean {
	return (
		before.name !== after.name ||
		before.connections !== after.connections ||
		before.joinedAt !== after.joinedAt ||
		JSON.stringify(before.meta) !== JSON.stringify(after.meta)
	);
}

/** What `add(key, identity)` would make of a roster, computed without changing it. */
export interface RosterChange<K> {
	key: K;
	identity: Identity;
	/** A connection of the same user whose place this one takes (it leaves the roster). */
	replaces?: K;
	/** The user as they would be, and as they are now (undefined when not present). */
	user: User;
	before: User | undefined;
	/** How many users the roster would hold. */
	userCount: number;
}

/**
 * Registered connections grouped by user, kept in step with the connections themselves.
 * `K` is whatever identifies a connection (a WebSocket in the room, a string in tests).
 */
export class Roster<K> {
	readonly #byUser = new Map<string, Map<K, Identity>>();
	/** Each present user, aggregated when one of their connections changes: the objects the list holds. */
	readonly #users = new Map<string, User>();
	readonly #list = new UserList();
	#connectionCount = 0;

	/**
	 * The roster as `add(key, identity)` would leave it, so that a reply can be built and encoded
	 * before anything changes. Costs the user's own connections, not the room's: the list as it
	 * would be is `usersJson(change)`, asked for only by a reply that carries it.
	 */
	preview(key: K, identity: Identity, replaces?: K): RosterChange<K> {
		const tabs = new Map(this.#byUser.get(identity.userId));
		if (replaces !== undefined) tabs.delete(replaces);
		tabs.delete(key);
		tabs.set(key, identity);
		const user = Object.freeze(aggregateUser(tabs.values()));
		const before = this.#users.get(identity.userId);
		const change: RosterChange<K> = { key, identity, user, before, userCount: this.#users.size + (before ? 0 : 1) };
		if (replaces !== undefined) change.replaces = replaces;
		return change;
	}

	/** The list as JSON, as it is or as a previewed `change` would leave it. */
	usersJson(change?: RosterChange<K>): string {
		return change ? this.#list.jsonWith(change.before, change.user) : this.#list.json();
	}

	/** Makes a previewed change; the roster must not have changed since the preview. */
	apply(change: RosterChange<K>): void {
		const { userId } = change.identity;
		if (change.replaces !== undefined && this.#tabsOf(userId).delete(change.replaces)) this.#connectionCount--;
		this.#setTab(change.key, change.identity);
		this.#setUser(userId, change.user);
	}

	add(key: K, identity: Identity): void {
		this.#setTab(key, identity);
		this.#refresh(identity.userId);
	}

	remove(key: K, userId: string): void {
		const tabs = this.#byUser.get(userId);
		if (!tabs?.delete(key)) return;
		this.#connectionCount--;
		if (tabs.size === 0) this.#byUser.delete(userId);
		this.#refresh(userId);
	}

	has(userId: string): boolean {
		return this.#byUser.has(userId);
	}

	/** The identity a connection registered with, if it is in the roster. */
	identityOf(key: K, userId: string): Identity | undefined {
		return this.#byUser.get(userId)?.get(key);
	}

	/** The keys of a user's registered connections (empty when absent). */
	connectionsOf(userId: string): Iterable<K> {
		return this.#byUser.get(userId)?.keys() ?? [];
	}

	/** A present user (frozen), or undefined. */
	user(userId: string): User | undefined {
		return this.#users.get(userId);
	}

	/**
	 * Every registered user, earliest joiner first, so a roster reads in arrival order. The same
	 * frozen list of frozen users until the roster changes (`add` or `remove`).
	 */
	users(): readonly User[] {
		return this.#list.snapshot();
	}

	get size(): number {
		return this.#users.size;
	}

	/** Registered connections, over all users. */
	get connectionCount(): number {
		return this.#connectionCount;
	}

	#tabsOf(userId: string): Map<K, Identity> {
		let tabs = this.#byUser.get(userId);
		if (!tabs) {
			tabs = new Map();
			this.#byUser.set(userId, tabs);
		}
		return tabs;
	}

	/**
	 * The changed tab goes last: between tabs changed in the same millisecond, the user shows the
	 * one changed last (`aggregateUser` lets the later of equal times win).
	 */
	#setTab(key: K, identity: Identity): void {
		const tabs = this.#tabsOf(identity.userId);
		if (!tabs.delete(key)) this.#connectionCount++;
		tabs.set(key, identity);
	}

	/** Aggregates a user again after one of their connections changed. */
	#refresh(userId: string): void {
		const tabs = this.#byUser.get(userId);
		this.#setUser(userId, tabs ? Object.freeze(aggregateUser(tabs.values())) : undefined);
	}

	#setUser(userId: string, user: User | undefined): void {
		const before = this.#users.get(userId);
		if (user) this.#users.set(userId, user);
		else this.#users.delete(userId);
		this.#list.replace(before, user);
	}
}
