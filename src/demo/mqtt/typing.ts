/**
 * "… is typing" from the MQTT page, sent as the chat sends it: `{typing: true | false}` on
 * `signals`, at most one per second, the latest state winning (what the chat's keyed, throttled
 * signal does), so the chat's notice and this page's look the same. Shown with the chat's own
 * `TypingNotice`.
 */

/** The chat's throttle for its "typing" key (src/demo/typing.ts). */
export const TYPING_THROTTLE_MS = 1_000;

export interface Clock {
	now: () => number;
	setTimeout: (run: () => void, ms: number) => unknown;
}

const realClock: Clock = {
	now: () => Date.now(),
	setTimeout: (run, ms) => setTimeout(run, ms),
};

/** Sends at once when the last send is a window old, else once when the window ends, the latest value. */
export class LatestWithin<T> {
	readonly #windowMs: number;
	readonly #send: (value: T) => void;
	readonly #clock: Clock;
	#lastSentAt = Number.NEGATIVE_INFINITY;
	#waiting: { value: T } | undefined;
	#timer: unknown;

	constructor(windowMs: number, send: (value: T) => void, clock: Clock = realClock) {
		this.#windowMs = windowMs;
		this.#send = send;
		this.#clock = clock;
	}

	set(value: T): void {
		const now = this.#clock.now();
		const dueAt = this.#lastSentAt + this.#windowMs;
		if (this.#waiting === undefined && now >= dueAt) {
			this.#write(value, now);
			return;
		}
		this.#waiting = { value };
		this.#timer ??= this.#clock.setTimeout(() => this.#flush(), Math.max(0, dueAt - now));
	}

	#flush(): void {
		this.#timer = undefined;
		const waiting = this.#waiting;
		this.#waiting = undefined;
		if (waiting) this.#write(waiting.value, this.#clock.now());
	}

	#write(value: T, now: number): void {
		this.#lastSentAt = now;
		this.#send(value);
	}
}

/** The typing signal the chat sends (src/demo/typing.ts `TypingSignal`), as an MQTT payload. */
export function typingPayload(typing: boolean): string {
	return JSON.stringify({ typing });
}
