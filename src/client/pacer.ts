/**
 * Client-side pacing of every client event: a token bucket matching the room's rate limit, so
 * that a flushed offline queue or a stream of updates is not answered with a run of RATE_LIMITED,
 * and the wake-up a queue waits on meanwhile. When tokens are short, the queues drawing on the
 * bucket (its lanes) take turns, so that no stream of one kind starves another.
 */

export interface PaceOptions {
	perSecond: number;
	burst: number;
}

/** A queue that draws on the pacer. */
export interface PaceLane {
	/** Whether it has something to write now, but for the pace: a lane that no longer does loses its turn. */
	wantsTurn(): boolean;
}

export class SendPacer {
	#options: PaceOptions;
	readonly #now: () => number;
	#tokens: number;
	#at: number;
	/** Lanes refused a token, in the order they asked: the next tokens are theirs, one each. */
	#turns: PaceLane[] = [];

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

	/** The room answered RATE_LIMITED: its bucket is empty, so ours is too. */
	drain(): void {
		this.#refill();
		this.#tokens = 0;
	}

	/**
	 * Takes a token for `lane` and answers 0, or answers how many ms until its turn (taking none).
	 * Lanes refused earlier go first, one token each, unless there are tokens enough for all.
	 */
	take(lane: PaceLane): number {
		const { perSecond } = this.#options;
		if (!Number.isFinite(perSecond)) return 0;
		this.#refill();
		this.#turns = this.#turns.filter((waiting) => waiting === lane || waiting.wantsTurn());
		const position = this.#turns.indexOf(lane);
		const ahead = position < 0 ? this.#turns.length : position;
		if (this.#tokens >= ahead + 1) {
			this.#tokens -= 1;
			if (position >= 0) this.#turns.splice(position, 1);
			return 0;
		}
		if (position < 0) this.#turns.push(lane);
		return Math.ceil(((ahead + 1 - this.#tokens) * 1000) / perSecond);
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
	readonly #now: () => number;
	#timer: ReturnType<typeof setTimeout> | undefined;
	#dueAt = 0;

	constructor(action: () => void, now: () => number = Date.now) {
		this.#action = action;
		this.#now = now;
	}

	get waiting(): boolean {
		return this.#timer !== undefined;
	}

	/** Runs the action after `ms`, unless a wake-up is already due. */
	after(ms: number): void {
		if (this.#timer !== undefined) return;
		this.#dueAt = this.#now() + ms;
		this.#timer = setTimeout(() => {
			this.#timer = undefined;
			this.#action();
		}, ms);
	}

	/** Runs the action after `ms`, or at the wake-up already due if that is sooner. */
	within(ms: number): void {
		if (this.#timer !== undefined && this.#dueAt <= this.#now() + ms) return;
		this.cancel();
		this.after(ms);
	}

	cancel(): void {
		if (this.#timer !== undefined) clearTimeout(this.#timer);
		this.#timer = undefined;
	}
}
