/**
 * (1.4) When a sink tries again after failures: growing delays from 5 s, tripled each time up to
 * an hour, each spread by ±25 % so that many rooms failing together do not all come back at the
 * same second. A sink keeps trying for as long as it has events; only an event that has waited
 * `GIVE_UP_AFTER_MS` (three days, well past the contract's "at least 24 hours") is given up on and
 * counted in the next delivered event's `dropped`. Pure: time and chance are arguments.
 */

export const FIRST_RETRY_MS = 5_000;
export const LONGEST_RETRY_MS = 60 * 60 * 1000;
export const GIVE_UP_AFTER_MS = 3 * 24 * 60 * 60 * 1000;
const GROWTH = 3;
const SPREAD = 0.25;

/**
 * How long to wait after the `failures`-th failure in a row (1 for the first); `random` in [0, 1)
 * picks where in the spread (0.5: the plain delay).
 */
export function retryDelay(failures: number, random: number): number {
	const steps = Math.max(0, Math.floor(failures) - 1);
	const plain = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * GROWTH ** Math.min(steps, 32));
	return Math.round(plain * (1 - SPREAD + 2 * SPREAD * clamp01(random)));
}

/** The time of the next try after the `failures`-th failure in a row at `now`. */
export function nextTry(now: number, failures: number, random: number): number {
	return now + retryDelay(failures, random);
}

/** Events written before this time are given up on at `now` if still undelivered after a failure. */
export function giveUpBefore(now: number): number {
	return now - GIVE_UP_AFTER_MS;
}

function clamp01(value: number): number {
	if (!(value > 0)) return 0;
	return Math.min(value, 1);
}

/**
 * Whether a sink's next try may start at `now`, its previous one having started at `lastStartAt`
 * (undefined: none yet, or the gap already waited out): undefined to go, else how long to wait.
 */
export function gapWait(lastStartAt: number | undefined, gapMs: number, now: number): number | undefined {
	if (lastStartAt === undefined || gapMs <= 0) return undefined;
	const wait = lastStartAt + gapMs - now;
	return wait > 0 ? wait : undefined;
}
