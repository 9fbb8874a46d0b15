/**
 * A room's users in roster order (earliest joiner first, then by userId), with the list's JSON,
 * both kept up to date one change at a time. Every `batched` or `events` Register sends the whole
 * list, so a join into a room of N must cost one copy of the JSON, not a rebuilt, re-sorted and
 * re-encoded list: the usual join (a new user, who sorts last) appends to both. Pure.
 */
import type { User } from "../protocol";

/** A roster's order: earliest joiner first, then by userId. */
export function rosterOrder(a: User, b: User): number {
	return a.joinedAt - b.joinedAt || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0);
}

/** Each user's JSON, for as long as the (frozen) user object lives: unchanged users are encoded once. */
const userJson = new WeakMap<User, string>();

function encodeUser(user: User): string {
	let json = userJson.get(user);
	if (json === undefined) {
		json = JSON.stringify(user);
		if (Object.isFrozen(user)) userJson.set(user, json);
	}
	return json;
}

export class UserList {
	/** Sorted by `rosterOrder`; only this class changes it. */
	readonly #users: User[] = [];
	/**
	 * `#users` as JSON without its closing bracket, undefined until asked for after a change that
	 * was not foretold. Open, so that a join appends to it: V8 then links the strings instead of
	 * copying the whole list, and the one copy is the reply's own, as it is sent.
	 */
	#open: string | undefined = "[";
	/** A frozen copy of `#users`, handed out until the next change. */
	#snapshot: readonly User[] | undefined;
	/** The last `jsonWith`, so that making that same change adopts its JSON instead of encoding again. */
	#foretold: { before: User | undefined; after: User | undefined; open: string } | undefined;

	get size(): number {
		return this.#users.length;
	}

	/** The users in order: the same frozen array until the next change. */
	snapshot(): readonly User[] {
		this.#snapshot ??= Object.freeze(this.#users.slice());
		return this.#snapshot;
	}

	json(): string {
		return `${this.#opened()}]`;
	}

	/**
	 * The JSON the list would have if `before` (one of its users, or undefined) gave way to
	 * `after` (the same user as they would be, or undefined); the list does not change.
	 */
	jsonWith(before: User | undefined, after: User | undefined): string {
		const foretold = this.#foretold;
		if (foretold && foretold.before === before && foretold.after === after) return `${foretold.open}]`;
		const open = this.#appends(before, after) ? this.#appended(after) : this.#rebuilt(before, after);
		this.#foretold = { before, after, open };
		return `${open}]`;
	}

	/** `before` (one of the list's users, or undefined) gives way to `after` (or undefined). */
	replace(before: User | undefined, after: User | undefined): void {
		if (before === after) return;
		// The JSON is built only when a reply asks for it (never in a room of `count` connections).
		const foretold = this.#foretold;
		const open = foretold && foretold.before === before && foretold.after === after ? foretold.open : undefined;
		const users = this.#users;
		const at = before ? this.#indexOf(before) : -1;
		if (before && at < 0) throw new Error(`"${before.userId}" is not in the list`);
		if (at >= 0 && after && rosterOrder(before as User, after) === 0) users[at] = after;
		else {
			if (at >= 0) users.splice(at, 1);
			if (after) {
				const to = this.#insertionPoint(after);
				if (to === users.length) users.push(after);
				else users.splice(to, 0, after);
			}
		}
		this.#open = open;
		this.#snapshot = undefined;
		this.#foretold = undefined;
	}

	/** Whether the change is a new user who sorts after everyone: the list only grows at its end. */
	#appends(before: User | undefined, after: User | undefined): after is User {
		const last = this.#users[this.#users.length - 1];
		return !before && after !== undefined && (!last || rosterOrder(last, after) < 0);
	}

	#appended(after: User): string {
		const open = this.#opened();
		return this.#users.length === 0 ? open + encodeUser(after) : `${open},${encodeUser(after)}`;
	}

	#opened(): string {
		this.#open ??= `[${this.#users.map(encodeUser).join(",")}`;
		return this.#open;
	}

	#rebuilt(before: User | undefined, after: User | undefined): string {
		const parts: string[] = [];
		let placed = after === undefined;
		for (const user of this.#users) {
			if (user === before) continue;
			if (!placed && rosterOrder(after as User, user) < 0) {
				parts.push(encodeUser(after as User));
				placed = true;
			}
			parts.push(encodeUser(user));
		}
		if (!placed) parts.push(encodeUser(after as User));
		return `[${parts.join(",")}`;
	}

	/** Where `user` is in the list (the same object), or -1. */
	#indexOf(user: User): number {
		const at = this.#insertionPoint(user);
		return this.#users[at] === user ? at : -1;
	}

	/** The first position whose user sorts at or after `user`. */
	#insertionPoint(user: User): number {
		const users = this.#users;
		let low = 0;
		let high = users.length;
		while (low < high) {
			const middle = (low + high) >>> 1;
			if (rosterOrder(users[middle] as User, user) < 0) low = middle + 1;
			else high = middle;
		}
		return low;
	}
}
