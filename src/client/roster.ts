/** The client's copy of the room's roster, by userId, and this connection's own user. */
import type { SelfUser, User } from "../protocol/types";

export class ClientRoster {
	readonly #users = new Map<string, User>();
	/** This connection's user, as the room last told it (kept while out of the room). */
	self: SelfUser | undefined;

	/** Replaces the whole roster: `Registered` is the truth after every (re)connection. */
	reset(users: readonly User[]): void {
		this.#users.clear();
		for (const user of users) this.#users.set(user.userId, user);
	}

	/** A joined or updated user replaces any entry with its userId; our own keeps its connectionId. */
	upsert(user: User): void {
		this.#users.set(user.userId, user);
		if (this.self?.userId === user.userId) this.self = { ...user, connectionId: this.self.connectionId };
	}

	/** A user who left; one not listed is ignored. */
	remove(userId: string): void {
		this.#users.delete(userId);
	}

	get(userId: string): User | undefined {
		return this.#users.get(userId);
	}

	get size(): number {
		return this.#users.size;
	}

	/** Registered connections of everyone listed. */
	get connectionCount(): number {
		let total = 0;
		for (const user of this.#users.values()) total += user.connections;
		return total;
	}

	/** Everyone online, earliest arrival first (ties by userId, so the order is stable). */
	list(): User[] {
		return [...this.#users.values()].sort((a, b) => a.joinedAt - b.joinedAt || (a.userId < b.userId ? -1 : 1));
	}
}
