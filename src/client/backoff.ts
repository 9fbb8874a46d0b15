/** Reconnect delays: exponential backoff with full jitter, so a room's clients do not return in step. */

export interface BackoffOptions {
	/** The ceiling of the first retry's delay; it doubles on each failed attempt. */
	baseMs: number;
	/** No delay is ever longer than this. */
	maxMs: number;
}

/**
 * The delay before attempt `attempt` (0 is the first connection: no wait). Full jitter: uniform in
 * [0, min(maxMs, baseMs · 2^(attempt−1))]. After an outage every client draws its own delay, so a
 * room of thousands reconnects spread out instead of all at once.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
	if (attempt <= 0) return 0;
	const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt - 1, 30));
	return Math.floor(random() * ceiling);
}

/** The smallest ceiling a held place allows: reconnects still spread over a quarter second. */
const HELD_PLACE_FLOOR_MS = 250;

/**
 * The backoff while the room still holds our place. Its leave grace keeps a dropped user present
 * for `graceMs` after the drop, so until then the ceiling is half of what is left of it (at least
 * a quarter second): a reconnect lands within the grace and the others see nobody leave, even
 * when a deploy drops every client at once. Once the grace is over, the usual backoff.
 */
export function backoffWithinGrace(options: BackoffOptions, graceMs: number, sinceDropMs: number): BackoffOptions {
	const left = graceMs - sinceDropMs;
	if (graceMs <= 0 || left <= 0) return options;
	return { baseMs: options.baseMs, maxMs: Math.min(options.maxMs, Math.max(HELD_PLACE_FLOOR_MS, left / 2)) };
}
