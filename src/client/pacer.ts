/**
 * Client-side pacing of every client event: a token bucket matching the room's rate limit, so
 * that a flushed offline queue or a stream of updates is not answered with a run of RATE_LIMITED,
 * and the wake-up a queue waits on meanwhile.
 */

export interface PaceOptions {
	perSecond: number;
	burst: number;
}

export class SendPacer {
	#options: PaceOptions;
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

	/**
	 * Follows the rate a room announced. What this connection already spent stays spent: the
	 * room's bucket started full at its own burst when the socket opened.
	 */
	adopt(pace: PaceOptions): void {
		this.#refill();
		const spent = Math.max(0, this.#options.burst - this.#tokens);
		this.#options = pace;
		this.#tokens = Math.max(0, pace.burst - spent);
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

/** A queue's one wake-up: while it waits, asking again changes nothing. */
export class WakeUp {
	readonly #action: () => void;
	#timer: ReturnType<typeof setTimeout> | undefined;

	constructor(action: () => void) {
		this.#action = action;
	}

	get waiting(): boolean {
		return this.#timer !== undefined;
	}

	/** Runs the action after `ms`, unless a wake-up is already due. */
	after(ms: number): void {
		if (this.#timer !== undefined) return;
		this.#timer = setTimeout(() => {
			this.#timer = undefined;
			this.#action();
		}, ms);
	}

	cancel(): void {
		if (this.#timer !== undefined) clearTimeout(this.#timer);
		this.#timer = undefined;
	}
}
