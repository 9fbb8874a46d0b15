/**
 * A token bucket per connection: `rate` events per second with bursts of `burst`. Plain data,
 * so that it lives in the socket's attachment and survives hibernation and eviction.
 */

export interface RateBucket {
	/** Tokens left, fractional while refilling. */
	tokens: number;
	/** When `tokens` was last brought up to date (epoch ms). */
	at: number;
	/** Events dropped in a row since the last one admitted. */
	dropped: number;
}

export interface RatePolicy {
	/** Events per second. */
	rate: number;
	/** Most events at once after a quiet spell. */
	burst: number;
	/** Dropped events in a row after which the connection is closed. */
	closeAfter: number;
}

export type RateVerdict = "admit" | "drop" | "close";

/** A new connection starts with a full bucket. */
export function fullBucket(policy: RatePolicy, now: number): RateBucket {
	return { tokens: policy.burst, at: now, dropped: 0 };
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
	if (tokens >= 1) return { bucket: { tokens: tokens - 1, at, dropped: 0 }, verdict: "admit" };
	const dropped = bucket.dropped + 1;
	return { bucket: { tokens, at, dropped }, verdict: dropped >= policy.closeAfter ? "close" : "drop" };
}

/** The contract's policy for a `RATE_LIMIT`: bursts of twice the rate, closed after 100 dropped in a row. */
export function ratePolicy(rate: number): RatePolicy {
	return { rate, burst: rate * 2, closeAfter: 100 };
}
