/**
 * The room's held events for its batched connections (1.2): each connection's waiting events,
 * already encoded (one string per event for the whole room), sent as one frame when its hold ends,
 * by the room's one timer or by the next event the room handles, whichever comes first.
 *
 * Nothing here survives hibernation, and nothing needs to: a pending timer keeps the object in
 * memory (the runtime hibernates an object only when no timer is pending), so the room cannot
 * hibernate while anything waits; and the restarts that do lose memory (a crash, a deploy) drop
 * the sockets with it. After a wake-up a batched connection has nothing waiting and its next
 * event goes at once; which connections are batched is read from their attachments.
 */
import { Limits } from "../../protocol";
import { type BatchRules, type BatchState, batchFrame, holdUntil, offerAction, withEvent } from "./plan";

interface Batch extends BatchState {
	events: string[];
	/** When what waits must go (epoch ms); meaningful while `count` > 0. */
	dueAt: number;
}

export interface BatcherOptions {
	/** `BATCH_MS`. */
	batchMs: number;
	/** Bytes a batch may hold: 1 MiB, or less so that what the room holds cannot by itself pass the slow-reader bound. */
	maxBytes: number;
	/** Sends one frame; false when the socket cannot be written to. */
	send: (ws: WebSocket, frame: string) => boolean;
	/** The time on the room's clock. */
	now: () => number;
	/** Told when the timer's flush found sockets that cannot be written to. */
	failed: (sockets: WebSocket[]) => void;
}

export class FrameBatcher {
	readonly #options: BatcherOptions;
	readonly #rules: BatchRules;
	/** Every batched connection's batch, waiting or not. */
	readonly #batches = new Map<WebSocket, Batch>();
	/** The batches with events waiting, in the order they started to wait. */
	readonly #waiting = new Map<WebSocket, Batch>();
	#timer: ReturnType<typeof setTimeout> | undefined;
	#timerAt = Number.POSITIVE_INFINITY;

	constructor(options: BatcherOptions) {
		this.#options = options;
		this.#rules = { batchMs: options.batchMs, maxEvents: Limits.batchMaxEvents, maxBytes: options.maxBytes };
	}

	/** Whether `ws` asked for batched frames (at its last Register). */
	has(ws: WebSocket): boolean {
		return this.#batches.has(ws);
	}

	/**
	 * A Register set `ws`'s choice. Turning batching off sends what waits first, so that order
	 * holds; false if that send failed.
	 */
	set(ws: WebSocket, batched: boolean): boolean {
		if (batched) {
			if (!this.#batches.has(ws)) this.#batches.set(ws, emptyBatch());
			return true;
		}
		const sent = this.flush(ws);
		this.#batches.delete(ws);
		return sent;
	}

	/** Bytes waiting for `ws` in the room (the slow-reader bound counts them). */
	held(ws: WebSocket): number {
		return this.#batches.get(ws)?.bytes ?? 0;
	}

	/**
	 * One event of `eventBytes` (UTF-8) for a batched `ws`: sent at once, or held. False when a send
	 * it made failed (the socket is gone).
	 */
	offer(ws: WebSocket, event: string, eventBytes: number): boolean {
		const batch = this.#batches.get(ws);
		if (!batch) return this.#options.send(ws, event);
		const now = this.#options.now();
		const action = offerAction(batch, eventBytes, now, this.#rules);
		let sent = true;
		if (action === "flush-then-hold" || action === "flush-then-send") sent = this.#sendWaiting(ws, batch, now);
		if (action === "send" || action === "flush-then-send") {
			batch.lastFrameAt = now;
			return this.#options.send(ws, event) && sent;
		}
		if (batch.count === 0) {
			batch.dueAt = holdUntil(batch.lastFrameAt, now, this.#rules.batchMs);
			this.#waiting.set(ws, batch);
			if (batch.dueAt < this.#timerAt) this.#schedule(batch.dueAt, now);
		}
		batch.bytes = withEvent(batch, eventBytes);
		batch.count++;
		batch.events.push(event);
		return sent;
	}

	/** Sends what waits for `ws` now (before the room closes it); false if that failed. */
	flush(ws: WebSocket): boolean {
		const batch = this.#waiting.get(ws);
		return batch ? this.#sendWaiting(ws, batch, this.#options.now()) : true;
	}

	/** Forgets `ws` and what waits for it: it is gone, or will not read it. */
	discard(ws: WebSocket): void {
		this.#waiting.delete(ws);
		this.#batches.delete(ws);
	}

	/**
	 * Sends every batch whose hold has ended by `now`; the sockets that could not be written to.
	 * Connections whose batches hold the same events get one frame, joined once.
	 */
	flushDue(now: number): WebSocket[] {
		const failed: WebSocket[] = [];
		if (now < this.#timerAt) return failed;
		let shared: { events: string[]; frame: string } | undefined;
		for (const [ws, batch] of this.#waiting) {
			if (batch.dueAt > now) continue;
			if (!shared || !sameEvents(shared.events, batch.events)) {
				shared = { events: batch.events, frame: batchFrame(batch.events) };
			}
			this.#waiting.delete(ws);
			if (!this.#options.send(ws, shared.frame)) failed.push(ws);
			resetAfterFrame(batch, now);
		}
		this.#reschedule(now);
		return failed;
	}

	#sendWaiting(ws: WebSocket, batch: Batch, now: number): boolean {
		const frame = batchFrame(batch.events);
		this.#waiting.delete(ws);
		resetAfterFrame(batch, now);
		return this.#options.send(ws, frame);
	}

	#reschedule(now: number): void {
		let next = Number.POSITIVE_INFINITY;
		for (const batch of this.#waiting.values()) if (batch.dueAt < next) next = batch.dueAt;
		this.#clearTimer();
		if (next !== Number.POSITIVE_INFINITY) this.#schedule(next, now);
	}

	#schedule(at: number, now: number): void {
		this.#clearTimer();
		this.#timerAt = at;
		this.#timer = setTimeout(
			() => {
				this.#timer = undefined;
				this.#timerAt = Number.NEGATIVE_INFINITY;
				const failed = this.flushDue(this.#options.now());
				if (failed.length > 0) this.#options.failed(failed);
			},
			Math.max(0, at - now),
		);
	}

	#clearTimer(): void {
		if (this.#timer !== undefined) clearTimeout(this.#timer);
		this.#timer = undefined;
		this.#timerAt = Number.POSITIVE_INFINITY;
	}
}

function emptyBatch(): Batch {
	return { events: [], count: 0, bytes: 0, lastFrameAt: Number.NEGATIVE_INFINITY, dueAt: 0 };
}

function resetAfterFrame(batch: Batch, now: number): void {
	batch.events = [];
	batch.count = 0;
	batch.bytes = 0;
	batch.lastFrameAt = now;
}

/** Whether two batches hold the same encoded events: the same strings, compared by identity first. */
function sameEvents(a: readonly string[], b: readonly string[]): boolean {
	if (a.length !== b.length) return false;
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
	return true;
}
