/** The client's copy of the room's roster, kept from `Registered`, `UserJoined`, `UserUpdated`, `UserLeft`. */
import type { User } from "../protocol/types";

export class ClientRoster {
	readonly #users = new Map<string, User>();

	/** Replaces the whole roster: `Registered` is the truth after every (re)connection. */
	reset(users: readonly User[]): void {
		this.#users.clear();
		for (const user of users) this.#users.set(user.userId, user);
	}

	upsert(user: User): void {
		this.#users.set(user.userId, user);
	}

	remove(userId: string): void {
		this.#users.delete(userId);
	}

	get(userId: string): User | undefined {
		return this.#users.get(userId);
	}

	get size(): number {
		return this.#users.size;
	}

	/** Everyone online, earliest arrival first (ties by userId, so the order is stable). */
	list(): User[] {
		return [...this.#users.values()].sort((a, b) => a.joinedAt - b.joinedAt || (a.userId < b.userId ? -1 : 1));
	}
}
