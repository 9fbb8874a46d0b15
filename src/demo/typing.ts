/**
 * "<name> is typing…": a page tells the others while its user types, with a keyed, throttled
 * signal (`{typing: true}`, key "typing"), and shows who else is typing. Signals are never
 * stored, so nothing of this reaches the room's history. A notice ends when that user's message
 * arrives, when they signal `{typing: false}` (sent, or cleared the input), or after a quiet spell.
 */
import type { RoomClient, SignalData } from "../client";

/** The stream's key: one typing signal per throttle window, the latest state winning. */
const TYPING_KEY = "typing";
/** Often enough to outlast the others' quiet spell, seldom enough to cost the room's rate little. */
const TYPING_THROTTLE_MS = 1_000;
/** No typing signal from a user for this long: they stopped. */
export const TYPING_QUIET_MS = 3_000;

export interface TypingSignal {
	typing: boolean;
}

function isTypingSignal(value: unknown): value is TypingSignal {
	return typeof value === "object" && value !== null && "typing" in value && typeof value.typing === "boolean";
}

/** Tells the room whether our user is typing; the latest state wins within a throttle window. */
export function signalTyping(client: RoomClient, typing: boolean): void {
	const signal: TypingSignal = { typing };
	// Dropped while we are out of the room: a late "is typing" would only mislead.
	client.signal(signal, { key: TYPING_KEY, throttleMs: TYPING_THROTTLE_MS });
}

/** Who else is typing, shown in one line of the page. */
export class TypingNotice {
	readonly #element: HTMLElement;
	readonly #selfId: string;
	readonly #typists = new Map<string, { name: string; quiet: ReturnType<typeof setTimeout> }>();

	constructor(element: HTMLElement, selfId: string) {
		this.#element = element;
		this.#selfId = selfId;
	}

	/** A signal from `from`; ours (another tab of our user) and other kinds of signal are ignored. */
	signaled(from: SignalData["from"], value: unknown): void {
		if (from.userId === this.#selfId || !isTypingSignal(value)) return;
		if (!value.typing) {
			this.stopped(from.userId);
			return;
		}
		const typist = this.#typists.get(from.userId);
		if (typist) clearTimeout(typist.quiet);
		const quiet = setTimeout(() => this.stopped(from.userId), TYPING_QUIET_MS);
		this.#typists.set(from.userId, { name: from.name, quiet });
		this.#render();
	}

	/** `userId` is no longer typing: their message arrived, they said so, or they went quiet. */
	stopped(userId: string): void {
		const typist = this.#typists.get(userId);
		if (!typist) return;
		clearTimeout(typist.quiet);
		this.#typists.delete(userId);
		this.#render();
	}

	#render(): void {
		const names = [...this.#typists.values()].map((typist) => typist.name);
		this.#element.textContent = typingText(names);
	}
}

/** "bob is typing…", "bob and carol are typing…", "4 people are typing…", or nothing. */
export function typingText(names: readonly string[]): string {
	if (names.length === 0) return "";
	if (names.length === 1) return `${names[0]} is typing…`;
	if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
	return `${names.length} people are typing…`;
}
