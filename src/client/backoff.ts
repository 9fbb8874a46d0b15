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
