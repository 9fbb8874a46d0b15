/**
 * (1.4) When a room's root tells its directory partition what it is now. Pure: the feed
 * (directory-feed.ts) asks with the time and does what it is told.
 *
 * - Nothing is owed while the partition's acknowledged snapshot equals the room's.
 * - A room that became occupied or vacated is told at once. Changed counts go at once too while
 *   the room's budget lasts (a token bucket of `BURST` calls, one more every `PACE_MS`): an
 *   occasional join or leave is told at once and costs no wake-up of its own, while a room whose
 *   members keep changing costs its partition one call every `PACE_MS` (counts then lag by up to
 *   that; the contract allows a few seconds). A change held back is sent from the room's alarm.
 * - One call at a time. A failed call is tried again after `retryDelayMs` (growing, capped so
 *   that a room is never missing or stale for long), from the alarm; a call that never answers
 *   is given up after `IN_FLIGHT_MS`.
 * - The alarm waits for a call in flight only in a vacant room: an occupied one is woken by its
 *   members, its graces or the reaper's backstop, and nothing else would ever wake a vacant one.
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

/** The time per call while counts keep changing. */
export const PACE_MS = 2000;
/** Calls that may go at once after a quiet spell. */
export const BURST = 3;

/** What a room may still send: `tokens` at time `at`, one more every `PACE_MS`, at most `BURST`. */
export interface SendBudget {
	tokens: number;
	at: number;
}

/** A room that has sent nothing lately. */
export const FULL_BUDGET: SendBudget = { tokens: BURST, at: 0 };
/** A call in flight longer than this is taken as lost. */
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
	/** What this instance may still send. */
	budget: SendBudget;
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
	// When the budget holds a whole call again (in the past while it does).
	return view.budget.at + (1 - view.budget.tokens) * PACE_MS;
}

/**
 * The budget after a call at `now`. An occupied or vacated room's call goes whatever the budget
 * holds and never leaves it owing: the next count change waits `PACE_MS` at most.
 */
export function afterSend(budget: SendBudget, now: number): SendBudget {
	const tokens = Math.min(BURST, budget.tokens + (now - budget.at) / PACE_MS);
	return { tokens: Math.max(0, tokens - 1), at: now };
}

/** When the room's alarm must run for the directory, if ever. */
export function feedWakeAt(view: FeedView, now: number): number | undefined {
	if (view.inFlightSince !== undefined) return view.current === null ? view.inFlightSince + IN_FLIGHT_MS : undefined;
	const next = nextSendAt(view);
	// A whole millisecond, never before the budget holds a call.
	return next === undefined ? undefined : Math.ceil(Math.max(next, now));
}

/** A version after `previous` (and after every version a partition answered): the time, made strictly increasing. */
export function nextVersion(previous: number, now: number): number {
	return Math.max(previous + 1, Math.floor(now));
}
