/**
 * Presence as a pure function of the registered connections: a user is the aggregate of
 * all of their registered connections (tabs) in the room. No runtime needed to test it.
 */
import type { JsonObject, User } from "../protocol";

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

/** A roster's order: earliest joiner first, then by userId. */
function rosterOrder(a: User, b: User): number {
	return a.joinedAt - b.joinedAt || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0);
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
	/** `users()` as it would be. */
	users: readonly User[];
}

/**
 * Registered connections grouped by user, kept in step with the connections themselves.
 * `K` is whatever identifies a connection (a WebSocket in the room, a string in tests).
 */
export class Roster<K> {
	readonly #byUser = new Map<string, Map<K, Identity>>();
	#connectionCount = 0;

	/** `users()` as of the last change: every Register sends it, so it is built once per change. */
	#users: readonly User[] | undefined;

	/**
	 * The roster as `add(key, identity)` would leave it, so that a reply can be built and encoded
	 * before anything changes. The list is the current one with one user replaced: no sort.
	 */
	preview(key: K, identity: Identity, replaces?: K): RosterChange<K> {
		const tabs = this.#byUser.get(identity.userId);
		const before = tabs ? aggregateUser(tabs.values()) : undefined;
		const after = new Map(tabs);
		if (replaces !== undefined) after.delete(replaces);
		after.set(key, identity);
		const user = Object.freeze(aggregateUser(after.values()));
		const users = this.users().filter((other) => other.userId !== user.userId);
		let low = 0;
		let high = users.length;
		while (low < high) {
			const middle = (low + high) >>> 1;
			if (rosterOrder(users[middle] as User, user) < 0) low = middle + 1;
			else high = middle;
		}
		users.splice(low, 0, user);
		const change: RosterChange<K> = { key, identity, user, before, users: Object.freeze(users) };
		if (replaces !== undefined) change.replaces = replaces;
		return change;
	}

	/** Makes a previewed change; the roster must not have changed since the preview. */
	apply(change: RosterChange<K>): void {
		if (change.replaces !== undefined) this.remove(change.replaces, change.identity.userId);
		this.add(change.key, change.identity);
		this.#users = change.users;
	}

	add(key: K, identity: Identity): void {
		this.#users = undefined;
		let tabs = this.#byUser.get(identity.userId);
		if (!tabs) {
			tabs = new Map();
			this.#byUser.set(identity.userId, tabs);
		}
		if (!tabs.has(key)) this.#connectionCount++;
		tabs.set(key, identity);
	}

	remove(key: K, userId: string): void {
		const tabs = this.#byUser.get(userId);
		if (!tabs) return;
		this.#users = undefined;
		if (tabs.delete(key)) this.#connectionCount--;
		if (tabs.size === 0) this.#byUser.delete(userId);
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

	user(userId: string): User | undefined {
		const tabs = this.#byUser.get(userId);
		return tabs ? aggregateUser(tabs.values()) : undefined;
	}

	/**
	 * Every registered user, earliest joiner first, so a roster reads in arrival order. The same
	 * frozen list until the roster changes (`add` or `remove`).
	 */
	users(): readonly User[] {
		if (this.#users) return this.#users;
		const users: User[] = [];
		for (const tabs of this.#byUser.values()) users.push(Object.freeze(aggregateUser(tabs.values())));
		users.sort(rosterOrder);
		this.#users = Object.freeze(users);
		return this.#users;
	}

	get size(): number {
		return this.#byUser.size;
	}

	/** Registered connections, over all users. */
	get connectionCount(): number {
		return this.#connectionCount;
	}
}

const userJson = new WeakMap<User, string>();
const listJson = new WeakMap<readonly User[], string>();

/**
 * A roster list as JSON. A list from `users()` or `preview()` is a frozen array of frozen users,
 * reused until something changes: each user is encoded once for as long as they are unchanged,
 * and each list once, so a Register in a large room copies strings instead of encoding users.
 */
export function encodeUsers(users: readonly User[]): string {
	const cached = listJson.get(users);
	if (cached !== undefined) return cached;
	const parts: string[] = [];
	for (const user of users) {
		let json = userJson.get(user);
		if (json === undefined) {
			json = JSON.stringify(user);
			if (Object.isFrozen(user)) userJson.set(user, json);
		}
		parts.push(json);
	}
	const json = `[${parts.join(",")}]`;
	if (Object.isFrozen(users)) listJson.set(users, json);
	return json;
}
