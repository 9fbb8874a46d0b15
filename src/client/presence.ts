/**
 * Who is in the room, as this connection hears it in its presence mode: the roster and its
 * counts, kept from `Registered` and from `UserJoined`/`UserUpdated`/`UserLeft` ("events"),
 * `Presence` ("batched") or `Occupancy` ("count"), each turned into the `presence` event to emit.
 */
import { type PresenceMode, PresenceModes, ServerEvents } from "../protocol/constants";
import type { RegisteredData, SelfUser, ServerFrame, User } from "../protocol/types";
import { ClientRoster } from "./roster";
import type { PresenceChange, PresenceSnapshot } from "./types";

const PRESENCE_EVENTS = [
	ServerEvents.UserJoined,
	ServerEvents.UserUpdated,
	ServerEvents.UserLeft,
	ServerEvents.Presence,
	ServerEvents.Occupancy,
] as const;
export type PresenceFrame = Extract<ServerFrame, { event: (typeof PRESENCE_EVENTS)[number] }>;

export function isPresenceFrame(frame: ServerFrame): frame is PresenceFrame {
	return (PRESENCE_EVENTS as readonly string[]).includes(frame.event);
}

export class RoomPresence {
	readonly mode: PresenceMode;
	readonly #roster = new ClientRoster();
	#userCount = 0;
	/** The last `Occupancy`'s connection count ("count" mode, where there is no roster to sum). */
	#occupancyConnections: number | undefined;

	constructor(mode: PresenceMode) {
		this.mode = mode;
	}

	get self(): SelfUser | undefined {
		return this.#roster.self;
	}

	get users(): User[] {
		return this.#roster.list();
	}

	get userCount(): number {
		return this.#userCount;
	}

	get connectionCount(): number | undefined {
		return this.mode === PresenceModes.count ? this.#occupancyConnections : this.#roster.connectionCount;
	}

	/** A `Registered`: the room's roster and counts replace ours. */
	registered(data: RegisteredData): PresenceChange {
		this.#roster.reset(data.users);
		this.#roster.self = data.self;
		this.#userCount = data.userCount;
		// `Registered` carries no connection count: an older Occupancy's is unknown now, until the next.
		this.#occupancyConnections = undefined;
		return { type: "sync", ...this.snapshot() };
	}

	/** Out of the room: we know of no one. */
	left(): PresenceChange {
		this.#roster.reset([]);
		this.#userCount = 0;
		this.#occupancyConnections = undefined;
		return { type: "sync", ...this.snapshot() };
	}

	/** Our own `updateUser()` was applied: the room tells the others, not us. */
	updatedSelf(self: SelfUser): PresenceChange {
		const { connectionId: _, ...user } = self;
		this.#roster.self = self;
		if (this.mode !== PresenceModes.count) this.#roster.upsert(user);
		return { type: "updated", user, ...this.snapshot() };
	}

	/** Applies a presence frame; applying the same one twice changes nothing more. */
	apply(frame: PresenceFrame): PresenceChange {
		switch (frame.event) {
			case ServerEvents.UserJoined:
			case ServerEvents.UserUpdated: {
				const { user } = frame.data;
				this.#roster.upsert(user);
				this.#userCount = this.#roster.size;
				const type = frame.event === ServerEvents.UserJoined ? "joined" : "updated";
				return { type, user, ...this.snapshot() };
			}
			case ServerEvents.UserLeft:
				this.#roster.remove(frame.data.user.userId);
				this.#userCount = this.#roster.size;
				return { type: "left", ...frame.data, ...this.snapshot() };
			case ServerEvents.Presence: {
				const { joined, updated, left, userCount } = frame.data;
				for (const user of [...joined, ...updated]) this.#roster.upsert(user);
				for (const departure of left) this.#roster.remove(departure.user.userId);
				this.#userCount = userCount;
				return { type: "batch", joined, updated, left, ...this.snapshot() };
			}
			case ServerEvents.Occupancy:
				this.#userCount = frame.data.userCount;
				this.#occupancyConnections = frame.data.connectionCount;
				return { type: "occupancy", ...this.snapshot() };
		}
	}

	snapshot(): PresenceSnapshot {
		return { users: this.#roster.list(), userCount: this.#userCount, connectionCount: this.connectionCount };
	}
}
