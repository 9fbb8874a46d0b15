/**
 * Where a room's next connection goes, decided by the root alone so that upgrades arriving at once
 * cannot overfill an object or the room. The root takes connections itself while it holds fewer
 * than `SHARD_CONNECTIONS`; then the lowest-index shard with room gets a one-use ticket, and a new
 * index is opened only when every shard is full. A ticket holds its place until the shard confirms
 * it (it becomes a counted connection) or it expires (the client went away between the two hops).
 * `MAX_CONNECTIONS` counts the whole room, tickets included. Pure, with time as an argument.
 */
import { ROOT_SHARD } from "./names";
import { OpenIndices } from "./open-indices";

export interface PlacementLimits {
	/** `SHARD_CONNECTIONS`: connections one object holds at most; 0 keeps the room in the root. */
	shardConnections: number;
	/** `MAX_CONNECTIONS`: connections the room holds at most, on all its objects. */
	maxConnections: number;
	/** How long a ticket holds its place before the shard confirms it. */
	ticketMs: number;
}

export type Placement =
	| { kind: "root" }
	| { kind: "shard"; shard: number; ticket: string; expiresAt: number }
	| { kind: "full" };

/**
 * What a shard's confirmation of a ticket came to: the ticket's place, a place found now (a ticket
 * the root does not know, after its restart or past expiry, still gets one if there is room), or none.
 */
export type Confirmation = "confirmed" | "admitted" | "full";

interface Reservation {
	shard: number;
	expiresAt: number;
}

export class PlacementBook {
	readonly #limits: PlacementLimits;
	readonly #newTicket: () => string;
	readonly #counts = new Map<number, number>();
	readonly #reservedAt = new Map<number, number>();
	/** In order of expiry (expiries never go back), so expiring stops at the first live one. */
	readonly #tickets = new Map<string, Reservation>();
	readonly #open = new OpenIndices();
	#total = 0;
	#lastExpiry = Number.NEGATIVE_INFINITY;

	constructor(limits: PlacementLimits, newTicket: () => string = () => crypto.randomUUID()) {
		this.#limits = limits;
		this.#newTicket = newTicket;
	}

	/** Connections and unexpired tickets of the whole room. */
	get total(): number {
		return this.#total;
	}

	/** Objects holding connections now (`/occupancy`'s `shards`). */
	get objectsInUse(): number {
		return this.#counts.size;
	}

	count(shard: number): number {
		return this.#counts.get(shard) ?? 0;
	}

	reserved(shard: number): number {
		return this.#reservedAt.get(shard) ?? 0;
	}

	/** When the earliest ticket expires (nothing needs waking for it: the next placement expires it). */
	get nextExpiry(): number | undefined {
		return this.#tickets.values().next().value?.expiresAt;
	}

	/** Places one new connection: the root counts it at once, a shard's place is held by a ticket. */
	place(now: number): Placement {
		this.expire(now);
		if (this.#total >= this.#limits.maxConnections) return { kind: "full" };
		const cap = this.#limits.shardConnections;
		if (cap === 0 || this.#used(ROOT_SHARD) < cap) {
			this.#add(ROOT_SHARD, 1);
			return { kind: "root" };
		}
		const shard = this.#open.lowest((index) => this.#used(index) < cap);
		const ticket = this.#newTicket();
		const expiresAt = Math.max(now + this.#limits.ticketMs, this.#lastExpiry);
		this.#lastExpiry = expiresAt;
		this.#tickets.set(ticket, { shard, expiresAt });
		this.#reservedAt.set(shard, this.reserved(shard) + 1);
		this.#total++;
		return { kind: "shard", shard, ticket, expiresAt };
	}

	/** A shard took the connection `ticket` was for: it now counts as a connection there. */
	confirm(ticket: string, shard: number, now: number): Confirmation {
		this.expire(now);
		const reservation = this.#tickets.get(ticket);
		if (reservation && reservation.shard === shard) {
			this.#drop(ticket, reservation);
			this.#add(shard, 1);
			return "confirmed";
		}
		const cap = this.#limits.shardConnections;
		if (shard === ROOT_SHARD || cap === 0 || this.#used(shard) >= cap) return "full";
		if (this.#total >= this.#limits.maxConnections) return "full";
		this.#open.reach(shard);
		this.#add(shard, 1);
		return "admitted";
	}

	/** A connection on `shard` closed (or its object restarted: see `setCount`). */
	closed(shard: number): void {
		if (this.count(shard) === 0) return;
		this.#add(shard, -1);
	}

	/** What an object says it holds now: after a restart of the root or of that object. */
	setCount(shard: number, count: number): void {
		this.#open.reach(shard);
		this.#add(shard, count - this.count(shard));
	}

	/** Frees the place of every ticket that expired by `now`; how many. */
	expire(now: number): number {
		let expired = 0;
		for (const [ticket, reservation] of this.#tickets) {
			if (reservation.expiresAt > now) break;
			this.#drop(ticket, reservation);
			expired++;
		}
		return expired;
	}

	#used(shard: number): number {
		return this.count(shard) + this.reserved(shard);
	}

	#add(shard: number, delta: number): void {
		const count = this.count(shard) + delta;
		if (count > 0) this.#counts.set(shard, count);
		else this.#counts.delete(shard);
		this.#total += delta;
		if (delta < 0) this.#freed(shard);
	}

	#drop(ticket: string, { shard }: Reservation): void {
		this.#tickets.delete(ticket);
		const left = this.reserved(shard) - 1;
		if (left > 0) this.#reservedAt.set(shard, left);
		else this.#reservedAt.delete(shard);
		this.#total--;
		this.#freed(shard);
	}

	#freed(shard: number): void {
		if (shard !== ROOT_SHARD && this.#used(shard) < this.#limits.shardConnections) this.#open.reopen(shard);
	}
}
