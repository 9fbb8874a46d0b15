/** The client's copy of the room's roster, kept from `Registered`, `UserJoined`, `UserUpdated`, `UserLeft`. */
import { ServerEvents } from "../protocol/constants";
import type { RegisteredData, ServerFrame, User } from "../protocol/types";
import type { PresenceChange } from "./types";

type PresenceEvent = typeof ServerEvents.UserJoined | typeof ServerEvents.UserUpdated | typeof ServerEvents.UserLeft;
type PresenceFrame = Extract<ServerFrame, { event: PresenceEvent }>;

export class ClientRoster {
	readonly #users = new Map<string, User>();
	/** This connection's user, as the room last told it (kept while out of the room). */
	self: RegisteredData["self"] | undefined;

	/** Replaces the whole roster: `Registered` is the truth after every (re)connection. */
	reset(users: readonly User[]): void {
		this.#users.clear();
		for (const user of users) this.#users.set(user.userId, user);
	}

	/** Applies a UserJoined, UserUpdated or UserLeft; answers the change to announce. */
	apply(frame: PresenceFrame): Exclude<PresenceChange, { type: "sync" }> {
		if (frame.event === ServerEvents.UserLeft) {
			this.remove(frame.data.user.userId);
			return { type: "left", ...frame.data, users: this.list() };
		}
		const { user } = frame.data;
		this.upsert(user);
		if (this.self?.userId === user.userId) this.self = { ...user, connectionId: this.self.connectionId };
		return { type: frame.event === ServerEvents.UserJoined ? "joined" : "updated", user, users: this.list() };
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
