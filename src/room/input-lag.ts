/**
 * Whether the room is behind its input. A Durable Object cannot see how many frames wait for it,
 * but it can see how late its own timer runs: while it keeps up, a short timer fires within a
 * few milliseconds of its time; once frames queue up faster than it handles them, the timer waits
 * behind them. So the room keeps one short timer armed while optional load (signals, presence
 * changes) arrives, and reads with each such event how overdue the pending one is. A single stall (a garbage collection, a busy
 * machine) makes one timer late; only a second late one in a row counts as behind, so that
 * refusing starts under sustained overload only. Pure, with time and the timer injected.
 */

export interface InputLagOptions {
	/** How far ahead the timer is set. */
	periodMs: number;
	/** How overdue a timer may be before it counts as late. */
	limitMs: number;
	/** Sets a timer (`setTimeout` in the room). */
	schedule: (run: () => void, ms: number) => void;
	/** The runtime's time, which tests do not move. */
	now: () => number;
}

export class InputLag {
	readonly #options: InputLagOptions;
	/** When the pending timer should run; undefined when none is pending. */
	#dueAt: number | undefined;
	/** Whether the last timer that ran was late. */
	#lastLate = false;

	constructor(options: InputLagOptions) {
		this.#options = options;
	}

	/** Optional load arrived: arms the timer when none is pending, so that a room busy with it always has one. */
	observe(): void {
		if (this.#dueAt !== undefined) return;
		const { periodMs, schedule, now } = this.#options;
		const dueAt = now() + periodMs;
		this.#dueAt = dueAt;
		schedule(() => {
			this.#lastLate = now() - dueAt > this.#options.limitMs;
			this.#dueAt = undefined;
		}, periodMs);
	}

	/** Whether the room is behind: the last timer ran late, and the pending one is late too. */
	behind(): boolean {
		const { limitMs, now } = this.#options;
		return this.#lastLate && this.#dueAt !== undefined && now() - this.#dueAt > limitMs;
	}
}

/** The room's settings: a 20 ms timer, late past 25 ms (bench/probes/overload-signal.ts measured them). */
export function roomInputLag(): InputLag {
	return new InputLag({ periodMs: 20, limitMs: 25, schedule: (run, ms) => setTimeout(run, ms), now: () => Date.now() });
}
