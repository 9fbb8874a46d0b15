/**
 * When `count` connections hear the room's counts: whenever either differs from the last counts
 * that connection was told (in its `Registered` or an `Occupancy`), at most once per interval.
 * Pure, with time as an argument.
 */
import type { OccupancyData } from "../../protocol";

/** What a connection was last told; `Registered` tells no connection count. */
export interface ToldCounts {
	userCount: number;
	connectionCount: number | undefined;
}

/**
 * What each `count` connection was last told, grouped by the counts told, so that "does anyone
 * need a frame" costs one look-up on every presence change, not one per connection. `K` is
 * whatever names a connection (a WebSocket in the room, a string in tests).
 */
export class OccupancyLedger<K> {
	readonly #told = new Map<K, ToldCounts>();
	/** How many members were told each counts, by `countsKey`. */
	readonly #groups = new Map<string, number>();
	#lastSentAt: number | undefined;

	get size(): number {
		return this.#told.size;
	}

	members(): IterableIterator<K> {
		return this.#told.keys();
	}

	/** `member` was just told `counts` (its `Registered`, or after a wake-up the room's counts). */
	told(member: K, counts: ToldCounts): void {
		this.forget(member);
		this.#told.set(member, counts);
		const key = countsKey(counts);
		this.#groups.set(key, (this.#groups.get(key) ?? 0) + 1);
	}

	/** What `member` was last told, while it is a member. */
	lastTold(member: K): ToldCounts | undefined {
		return this.#told.get(member);
	}

	forget(member: K): void {
		const counts = this.#told.get(member);
		if (!counts) return;
		this.#told.delete(member);
		const key = countsKey(counts);
		const left = (this.#groups.get(key) ?? 1) - 1;
		if (left > 0) this.#groups.set(key, left);
		else this.#groups.delete(key);
	}

	/** When the members that were told other counts than `current` should hear them; undefined: none was. */
	sendAt(current: OccupancyData, now: number, intervalMs: number): number | undefined {
		const key = countsKey(current);
		const all = this.#groups.size === 1 && this.#groups.has(key);
		if (this.#told.size === 0 || all) return undefined;
		return this.#lastSentAt === undefined ? now : Math.max(now, this.#lastSentAt + intervalMs);
	}

	/** The members told other counts than `current`, now counted as told them (and sent at `now`). */
	flush(current: OccupancyData, now: number): K[] {
		const key = countsKey(current);
		const due: K[] = [];
		for (const [member, counts] of this.#told) if (countsKey(counts) !== key) due.push(member);
		if (due.length === 0) return due;
		for (const member of due) this.told(member, current);
		this.#lastSentAt = now;
		return due;
	}
}

function countsKey(counts: ToldCounts): string {
	return `${counts.userCount}/${counts.connectionCount ?? "?"}`;
}
