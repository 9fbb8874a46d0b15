/**
 * The service's one time source. The Worker and the rooms read time here, never from `Date.now()`
 * directly, so that tests move time forward instead of waiting for it: a timeout, a leave grace
 * or a token's expiry is reached at once. The runtime's own timestamps (when it answered a
 * connection's `ping`) are on the system clock and pass through `fromSystemTime` to compare.
 */
export interface Clock {
	/** Epoch milliseconds now. */
	now(): number;
	/** A timestamp the runtime took on the system clock, on this clock. */
	fromSystemTime(ms: number): number;
}

let shiftMs = 0;

export const clock: Clock = {
	now: () => Date.now() + shiftMs,
	fromSystemTime: (ms) => ms + shiftMs,
};

/** Moves time forward by `ms` for everything that reads `clock` (tests only). */
export function advanceClock(ms: number): void {
	shiftMs += ms;
}

/** Back to the system's time (tests only). */
export function resetClock(): void {
	shiftMs = 0;
}
