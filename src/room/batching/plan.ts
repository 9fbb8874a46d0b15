/**
 * When an event for a batched connection goes out (1.2, "Batched frames"), as plain functions of
 * what waits for the connection and the time: the room's batcher applies them, tests drive them
 * with any clock.
 */

/** What waits for one batched connection, and when it was last sent a frame. */
export interface BatchState {
	/** Events waiting. */
	count: number;
	/** UTF-8 bytes of the waiting events as one frame: the array's brackets and commas included. */
	bytes: number;
	/** Epoch ms of the last frame sent; -Infinity before the first (or after a wake-up). */
	lastFrameAt: number;
}

export interface BatchRules {
	/** `BATCH_MS`: the longest an event may wait (0: never). */
	batchMs: number;
	/** Events a frame may hold (256), unless it holds a single one. */
	maxEvents: number;
	/** Bytes a frame may hold (1 MiB), unless it holds a single event. */
	maxBytes: number;
}

/**
 * What to do with one more event of `eventBytes`:
 * - `send`: nothing waits and no frame went out in the last `batchMs`: at once, a quiet room adds no delay;
 * - `hold`: it joins what waits (or starts to wait, for at most `batchMs`);
 * - `flush-then-hold`: what waits is a full frame already: it goes now, and this event starts the next;
 * - `flush-then-send`: the event fills a frame by itself: holding it would only delay it.
 */
export type OfferAction = "send" | "hold" | "flush-then-hold" | "flush-then-send";

export function offerAction(state: BatchState, eventBytes: number, now: number, rules: BatchRules): OfferAction {
	if (eventBytes >= rules.maxBytes) return state.count === 0 ? "send" : "flush-then-send";
	if (state.count === 0) return now - state.lastFrameAt >= rules.batchMs ? "send" : "hold";
	const full = state.count + 1 > rules.maxEvents || withEvent(state, eventBytes) > rules.maxBytes;
	return full ? "flush-then-hold" : "hold";
}

/** The frame's size once the event joins: `[a]` is `a` plus 2, each more event one comma. */
export function withEvent(state: BatchState, eventBytes: number): number {
	return state.count === 0 ? eventBytes : state.bytes + (state.count === 1 ? 3 : 1) + eventBytes;
}

/**
 * When the first event held for a connection must go: `batchMs` after its last frame, so that it
 * gets about one frame per `batchMs`. Never later than `batchMs` from now, even on a clock that
 * went back since that frame.
 */
export function holdUntil(lastFrameAt: number, now: number, batchMs: number): number {
	return Math.min(lastFrameAt, now) + batchMs;
}

/** The frame for what waited: the single event as it is, several as a JSON array of them. */
export function batchFrame(events: readonly string[]): string {
	return events.length === 1 ? (events[0] as string) : `[${events.join(",")}]`;
}
