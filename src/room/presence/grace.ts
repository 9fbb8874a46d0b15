/**
 * Leave grace, as plain bookkeeping: which closed connections still count for their user, until
 * when, and why they closed. Pure and keyed by connection id, with time as an argument; the room
 * keeps the same facts in storage and wakes for `earliest()` with its alarm.
 */
import type { LeaveReason } from "../../protocol";

export interface GraceEntry {
	connectionId: string;
	userId: string;
	/** Epoch ms at which the grace ends and the leave is announced. */
	until: number;
	reason: LeaveReason;
	/** When the closed connection registered: a connection that takes its place keeps it. */
	registeredAt: number;
}

export class GraceList {
	readonly #byId = new Map<string, GraceEntry>();
	/** The same entries by user: a room of 10,000 coming back after a restart looks up by user. */
	readonly #byUser = new Map<string, Map<string, GraceEntry>>();
	/**
	 * Cached `earliest()`, and how many entries end then: a restart puts a whole room in grace at
	 * one time, and a reconnect taking its place must not make the next event scan all the others.
	 */
	#earliest: number | undefined;
	#atEarliest = 0;
	#earliestKnown = true;

	get size(): number {
		return this.#byId.size;
	}

	add(entry: GraceEntry): void {
		this.delete(entry.connectionId);
		this.#byId.set(entry.connectionId, entry);
		let ofUser = this.#byUser.get(entry.userId);
		if (!ofUser) {
			ofUser = new Map();
			this.#byUser.set(entry.userId, ofUser);
		}
		ofUser.set(entry.connectionId, entry);
		if (!this.#earliestKnown) return;
		if (this.#earliest === undefined || entry.until < this.#earliest) {
			this.#earliest = entry.until;
			this.#atEarliest = 1;
		} else if (entry.until === this.#earliest) this.#atEarliest++;
	}

	has(connectionId: string): boolean {
		return this.#byId.has(connectionId);
	}

	delete(connectionId: string): GraceEntry | undefined {
		const entry = this.#byId.get(connectionId);
		if (!entry) return undefined;
		this.#byId.delete(connectionId);
		const ofUser = this.#byUser.get(entry.userId);
		ofUser?.delete(connectionId);
		if (ofUser?.size === 0) this.#byUser.delete(entry.userId);
		if (this.#earliestKnown && entry.until === this.#earliest) {
			this.#atEarliest--;
			if (this.#atEarliest === 0) this.#earliestKnown = false;
		}
		return entry;
	}

	/**
	 * The closed connection a new one of `userId` takes the place of: the one registered earliest,
	 * so that the user's `joinedAt` stays as it was.
	 */
	placeFor(userId: string): GraceEntry | undefined {
		let found: GraceEntry | undefined;
		for (const entry of this.#byUser.get(userId)?.values() ?? []) {
			if (!found || entry.registeredAt < found.registeredAt) found = entry;
		}
		return found;
	}

	/** How many closed connections of `userId` are in their grace. */
	countFor(userId: string): number {
		return this.#byUser.get(userId)?.size ?? 0;
	}

	/** Entries whose grace has ended at `now`, earliest first. */
	due(now: number): GraceEntry[] {
		const earliest = this.earliest();
		if (earliest === undefined || earliest > now) return [];
		return [...this.#byId.values()].filter((entry) => entry.until <= now).sort((a, b) => a.until - b.until);
	}

	/** When the next grace ends, or undefined with none. */
	earliest(): number | undefined {
		if (!this.#earliestKnown) {
			this.#earliest = undefined;
			this.#atEarliest = 0;
			for (const entry of this.#byId.values()) {
				if (this.#earliest === undefined || entry.until < this.#earliest) {
					this.#earliest = entry.until;
					this.#atEarliest = 1;
				} else if (entry.until === this.#earliest) this.#atEarliest++;
			}
			this.#earliestKnown = true;
		}
		return this.#earliest;
	}
}
