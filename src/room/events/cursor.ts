/**
 * (1.4) Where one sink is in a room's events, and the rules that move it: pure, so that the
 * backlog bound, `dropped` and retries are tested without the runtime. Every sink (the webhook,
 * the queue, any added later) has a cursor of its own; a row of the outbox goes once every
 * configured sink's cursor has passed it.
 */
import { nextTry } from "./schedule";

export interface SinkCursor {
	/** The last seq this sink is done with: delivered, or dropped. */
	done: number;
	/** Events dropped and not yet reported: the next delivered event carries them as `dropped`. */
	dropped: number;
	/** Failed tries in a row (0 after a delivery). */
	failures: number;
	/** When the next try may start (epoch ms; 0: at once). */
	retryAt: number;
}

/** One try: the events `from`..`through` sent, the first one carrying `dropped`. */
export interface Attempt {
	from: number;
	through: number;
	dropped: number;
}

export function freshCursor(done: number): SinkCursor {
	return { done, dropped: 0, failures: 0, retryAt: 0 };
}

/** Whether `cursor` has events to deliver among those up to `lastSeq`. */
export function hasPending(cursor: SinkCursor, lastSeq: number): boolean {
	return cursor.done < lastSeq;
}

/**
 * The cursor after the room wrote events up to `lastSeq`: at most `backlog` may wait, so the
 * oldest past that are dropped (counted for the next delivered event). Unchanged when within.
 */
export function boundBacklog(cursor: SinkCursor, lastSeq: number, backlog: number): SinkCursor {
	const excess = lastSeq - cursor.done - backlog;
	if (excess <= 0) return cursor;
	return { ...cursor, done: cursor.done + excess, dropped: cursor.dropped + excess };
}

/**
 * The cursor after `attempt` was delivered. The drops it reported are reported; events of it that
 * the backlog bound dropped while it was on its way arrived after all, so they are not lost.
 */
export function afterDelivery(cursor: SinkCursor, attempt: Attempt): SinkCursor {
	const arrivedThoughDropped = Math.max(0, Math.min(cursor.done, attempt.through) - (attempt.from - 1));
	return {
		done: Math.max(cursor.done, attempt.through),
		dropped: Math.max(0, cursor.dropped - attempt.dropped - arrivedThoughDropped),
		failures: 0,
		retryAt: 0,
	};
}

/** The cursor after a failed try at `now`: the next one waits for the schedule. */
export function afterFailure(cursor: SinkCursor, now: number, random: number): SinkCursor {
	const failures = cursor.failures + 1;
	return { ...cursor, failures, retryAt: nextTry(now, failures, random) };
}

/** The cursor after giving up on every event up to `through` (those that waited too long). */
export function giveUpThrough(cursor: SinkCursor, through: number): SinkCursor {
	if (through <= cursor.done) return cursor;
	return { ...cursor, done: through, dropped: cursor.dropped + (through - cursor.done) };
}

/** The first event a try sends carries the drops not yet reported. */
export function attemptOf(cursor: SinkCursor, through: number): Attempt {
	return { from: cursor.done + 1, through, dropped: cursor.dropped };
}
