/**
 * Client-side pacing of sends: a token bucket matching the room's rate limit, so that a flushed
 * offline queue is not answered with a run of RATE_LIMITED.
 */

export interface PaceOptions {
	perSecond: number;
	burst: number;
}

export class SendPacer {
	readonly #options: PaceOptions;
	readonly #now: () => number;
	#tokens: number;
	#at: number;

	constructor(options: PaceOptions, now: () => number) {
		this.#options = options;
		this.#now = now;
		this.#tokens = options.burst;
		this.#at = now();
	}

	/** A new connection: the room's bucket for it starts full. */
	reset(): void {
		this.#tokens = this.#options.burst;
		this.#at = this.#now();
	}

	/** Counts an event that goes now whatever the bucket says (Register, Unregister). */
	spend(): void {
		this.#refill();
		this.#tokens = Math.max(0, this.#tokens - 1);
	}

	/** Takes a token and answers 0, or answers how many ms until one is free (taking none). */
	take(): number {
		const { perSecond } = this.#options;
		if (!Number.isFinite(perSecond)) return 0;
		this.#refill();
		if (this.#tokens >= 1) {
			this.#tokens -= 1;
			return 0;
		}
		return Math.ceil(((1 - this.#tokens) * 1000) / perSecond);
	}

	#refill(): void {
		const { perSecond, burst } = this.#options;
		const now = this.#now();
		// A clock that went backwards refills nothing rather than a negative amount.
		if (Number.isFinite(perSecond)) {
			this.#tokens = Math.min(burst, this.#tokens + (Math.max(0, now - this.#at) * perSecond) / 1000);
		}
		this.#at = now;
	}
}
