/**
 * A token bucket per connection: `rate` events per second with bursts of `burst`. Plain data,
 * so that it lives in the socket's attachment and survives hibernation and eviction.
 */

export interface RateBucket {
	/** Tokens left, fractional while refilling. */
	tokens: number;
	/** When `tokens` was last brought up to date (epoch ms). */
	at: number;
	/**
	 * Events dropped "in a row": since the connection last went a full second without a drop.
	 * An event admitted in between does not reset it, or a flood slower than 100 events per
	 * refill interval would never be closed.
	 */
	dropped: number;
	/** When the last event was dropped (epoch ms); 0 for never. */
	droppedAt: number;
}

export interface RatePolicy {
	/** Events per second. */
	rate: number;
	/** Most events at once after a quiet spell. */
	burst: number;
	/** Dropped events in a row after which the connection is closed. */
	closeAfter: number;
	/** A spell this long without a drop ends a row of drops. */
	forgiveAfterMs: number;
}

export type RateVerdict = "admit" | "drop" | "close";

/** A new connection starts with a full bucket. */
export function fullBucket(policy: RatePolicy, now: number): RateBucket {
	return { tokens: policy.burst, at: now, dropped: 0, droppedAt: 0 };
}

/** Decides one event and returns the bucket after it. Never mutates its input. */
export function takeToken(
	bucket: RateBucket,
	policy: RatePolicy,
	now: number,
): { bucket: RateBucket; verdict: RateVerdict } {
	// A clock that went backwards refills nothing rather than draining the bucket.
	const at = Math.max(bucket.at, now);
	const tokens = Math.min(policy.burst, bucket.tokens + ((at - bucket.at) * policy.rate) / 1000);
	const forgiven = at - bucket.droppedAt >= policy.forgiveAfterMs;
	const row = forgiven ? 0 : bucket.dropped;
	if (tokens >= 1) {
		return { bucket: { tokens: tokens - 1, at, dropped: row, droppedAt: bucket.droppedAt }, verdict: "admit" };
	}
	const dropped = row + 1;
	return {
		bucket: { tokens, at, dropped, droppedAt: at },
		verdict: dropped >= policy.closeAfter ? "close" : "drop",
	};
}

/**
 * The contract's policy for a `RATE_LIMIT`: bursts of twice the rate, closed after 100 dropped
 * in a row, where a second without a drop (the client backed off) ends the row.
 */
export function ratePolicy(rate: number): RatePolicy {
	return { rate, burst: rate * 2, closeAfter: 100, forgiveAfterMs: 1000 };
}
