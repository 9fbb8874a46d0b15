/**
 * (1.4) When a room's root tells its directory partition what it is now. Pure: the feed
 * (directory-feed.ts) asks with the time and does what it is told.
 *
 * - Nothing is owed while the partition's acknowledged snapshot equals the room's.
 * - A room that became occupied or vacated is told at once; changed counts at most every
 *   `PACE_MS` (counts may lag by that much, the contract allows a few seconds).
 * - One call at a time. A failed call is tried again after `retryDelayMs` (growing, capped so
 *   that a room is never missing or stale for long); a call that never answers is given up after
 *   `IN_FLIGHT_MS`.
 * - What wakes the room for it (`feedWake`): the room's alarm for what must survive the
 *   instance, a retry after a failure and a vacant room's removal (nothing else would ever wake
 *   that room); a timer for the paced next call of an occupied room, so that membership changes
 *   never write the alarm (the room stays awake those 2 s; after a crash its members' next event,
 *   a grace's end or the reaper's backstop alarm runs it, and it sends what storage says is owed).
 */

/** What a room shows in the directory; null in its place: the room is vacant (not listed). */
export interface DirectorySnapshot {
	userCount: number;
	connectionCount: number;
	occupiedAt: number;
}

/** A call to the partition: the room's snapshot under a version the partition never goes back from. */
export interface DirectoryUpdate {
	room: string;
	version: number;
	snapshot: DirectorySnapshot | null;
}

/** The least time between two calls while counts keep changing. */
export const PACE_MS = 2000;
/** A call in flight longer than this is taken as lost (the alarm wakes the room then). */
export const IN_FLIGHT_MS = 10_000;
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 8000;

/** How long to wait after the `failures`-th failure in a row (1, 2, …). */
export function retryDelayMs(failures: number): number {
	return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1));
}

export function sameSnapshot(a: DirectorySnapshot | null | undefined, b: DirectorySnapshot | null): boolean {
	if (a === undefined) return false;
	if (a === null || b === null) return a === b;
	return a.userCount === b.userCount && a.connectionCount === b.connectionCount && a.occupiedAt === b.occupiedAt;
}

export interface FeedView {
	/** What the partition has acknowledged; undefined: not known (always owed). */
	acked: DirectorySnapshot | null | undefined;
	/** What the room is now. */
	current: DirectorySnapshot | null;
	/** When this instance last sent a call, if it has. */
	lastSentAt: number | undefined;
	/** When the call in flight went, if one is. */
	inFlightSince: number | undefined;
	/** After a failure: no call before then. */
	retryAt: number | undefined;
}

/** When the next call should go (a time ≤ now: now), or undefined when none is owed or one is in flight. */
export function nextSendAt(view: FeedView): number | undefined {
	if (sameSnapshot(view.acked, view.current) || view.inFlightSince !== undefined) return undefined;
	if (view.retryAt !== undefined) return view.retryAt;
	const { acked, current } = view;
	if (acked === undefined || (acked === null) !== (current === null)) return Number.NEGATIVE_INFINITY;
	return view.lastSentAt === undefined ? Number.NEGATIVE_INFINITY : view.lastSentAt + PACE_MS;
}

/** What wakes the room next for the directory: its alarm (`alarm`), or a timer while it runs (`timer`). */
export interface FeedWake {
	alarm: number | undefined;
	timer: number | undefined;
}

export function feedWake(view: FeedView, now: number): FeedWake {
	const vacant = view.current === null;
	if (view.inFlightSince !== undefined) {
		return { alarm: vacant ? view.inFlightSince + IN_FLIGHT_MS : undefined, timer: undefined };
	}
	const next = nextSendAt(view);
	if (next === undefined) return { alarm: undefined, timer: undefined };
	const at = Math.max(next, now);
	return view.retryAt !== undefined || vacant ? { alarm: at, timer: undefined } : { alarm: undefined, timer: at };
}

/** A version after `previous` (and after every version a partition answered): the time, made strictly increasing. */
export function nextVersion(previous: number, now: number): number {
	return Math.max(previous + 1, Math.floor(now));
}
