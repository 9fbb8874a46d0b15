/**
 * Signals waiting to be written, in the order they were first queued. A keyed signal waits out
 * its key's throttle window and holds one place per key: a later call with that key replaces its
 * value where it stands, so a stream of cursor moves never piles up. Unkeyed signals each keep a
 * place of their own, up to a limit.
 */
import type { SignalRequestData } from "../protocol/types";

export interface WaitingSignal {
	readonly key: string | undefined;
	/** The frame's `requestData`: the latest value (and `to`) given for its key. */
	data: SignalRequestData;
	/** The key's throttle window, as the latest call for it set it. */
	throttleMs: number;
	written: boolean;
}

/** One key's throttle: when it last went, and the signal waiting for it, if any. */
interface KeyWindow {
	writtenAt: number;
	throttleMs: number;
	waiting: WaitingSignal | undefined;
}

export type NextSignal = { signal: WaitingSignal } | { waitMs: number } | undefined;

export class SignalQueue {
	readonly #unkeyedLimit: number;
	#waiting: WaitingSignal[] = [];
	#unkeyed = 0;
	readonly #windows = new Map<string, KeyWindow>();

	constructor(unkeyedLimit: number) {
		this.#unkeyedLimit = unkeyedLimit;
	}

	/** Queues a signal, or replaces the one waiting for its key; undefined when the unkeyed limit is reached. */
	add(data: SignalRequestData, key: string | undefined, throttleMs: number): WaitingSignal | undefined {
		if (key === undefined) {
			if (this.#unkeyed >= this.#unkeyedLimit) return undefined;
			this.#unkeyed += 1;
			return this.#push({ key, data, throttleMs, written: false });
		}
		const window = this.#windows.get(key) ?? { writtenAt: Number.NEGATIVE_INFINITY, throttleMs, waiting: undefined };
		this.#windows.set(key, window);
		if (window.waiting) {
			window.waiting.data = data;
			window.waiting.throttleMs = throttleMs;
			return window.waiting;
		}
		window.waiting = this.#push({ key, data, throttleMs, written: false });
		return window.waiting;
	}

	/** The first signal that may go at `now`, or how long until one may. */
	next(now: number): NextSignal {
		let soonest = Number.POSITIVE_INFINITY;
		for (const signal of this.#waiting) {
			const dueAt = this.#dueAt(signal);
			if (dueAt <= now) return { signal };
			soonest = Math.min(soonest, dueAt);
		}
		return Number.isFinite(soonest) ? { waitMs: soonest - now } : undefined;
	}

	/** Whether a signal for `key` waits. */
	waits(key: string): boolean {
		return this.#windows.get(key)?.waiting !== undefined;
	}

	/** Whether a signal may go at `now`. */
	hasDue(now: number): boolean {
		return this.#waiting.some((signal) => this.#dueAt(signal) <= now);
	}

	/** `signal` went at `now`: its key's window starts again. */
	written(signal: WaitingSignal, now: number): void {
		const index = this.#waiting.indexOf(signal);
		if (index >= 0) this.#waiting.splice(index, 1);
		signal.written = true;
		if (signal.key === undefined) {
			this.#unkeyed -= 1;
		} else {
			this.#windows.set(signal.key, { writtenAt: now, throttleMs: signal.throttleMs, waiting: undefined });
		}
		// A key whose window has passed with nothing waiting is as good as new: forget it.
		for (const [key, window] of this.#windows) {
			if (!window.waiting && window.writtenAt + window.throttleMs <= now) this.#windows.delete(key);
		}
	}

	/** Out of the room: nothing waiting is worth sending later. */
	clear(): void {
		this.#waiting = [];
		this.#unkeyed = 0;
		this.#windows.clear();
	}

	#push(signal: WaitingSignal): WaitingSignal {
		this.#waiting.push(signal);
		return signal;
	}

	#dueAt(signal: WaitingSignal): number {
		if (signal.key === undefined) return Number.NEGATIVE_INFINITY;
		const window = this.#windows.get(signal.key);
		return window ? window.writtenAt + signal.throttleMs : Number.NEGATIVE_INFINITY;
	}
}
