/**
 * (1.4) One sink's delivery loop: at most one try on its way at a time (so a room's events reach
 * a webhook in order), every event waiting carried by the next try, failures tried again on the
 * schedule. Nothing here is awaited by a room's handler: a try runs on its own (`waitUntil`) and
 * tells the room when it ends, so that the room plans its alarm again (the next try, or a retry).
 */
import { utf8ByteLength, WEBHOOK_TIMEOUT_MS } from "../../protocol";
import { afterDelivery, afterFailure, attemptOf, giveUpThrough, hasPending, type SinkCursor } from "./cursor";
import type { Outbox, OutboxRow } from "./outbox";
import { gapWait, giveUpBefore } from "./schedule";
import { type EventSink, fitInTry } from "./sinks";

/** After a try started, the alarm comes back this long after its timeout, should this instance die meanwhile. */
const LOST_TRY_MS = 5_000;

export interface DeliveryOptions {
	/** The room's name, in each event and each log line. */
	room: () => string;
	now: () => number;
	random: () => number;
	/** A try ended: the room plans its alarm again (and so starts the next try if one is due). */
	settled: () => void;
	/** Runs `start` again once the gap after the last try has passed (`setTimeout` in the room). */
	later: (run: () => void, ms: number) => void;
	log: (text: string) => void;
}

export class SinkDelivery {
	readonly #sink: EventSink;
	readonly #outbox: Outbox;
	readonly #options: DeliveryOptions;
	/** The try on its way: when it started. */
	#inFlightSince: number | undefined;
	/** When the last try started (memory: after a restart the first try goes at once). */
	#lastStartAt: number | undefined;
	#waitingForGap = false;

	constructor(sink: EventSink, outbox: Outbox, options: DeliveryOptions) {
		this.#sink = sink;
		this.#outbox = outbox;
		this.#options = options;
	}

	/** Starts a try if events wait and none is on its way or waiting for its retry time; its promise. */
	start(now: number): Promise<void> | undefined {
		if (this.#inFlightSince !== undefined) return undefined;
		const cursor = this.#cursor;
		if (!hasPending(cursor, this.#outbox.lastSeq) || cursor.retryAt > now) return undefined;
		const wait = gapWait(this.#lastStartAt, this.#sink.tryGapMs, now);
		if (wait !== undefined) {
			if (!this.#waitingForGap) {
				this.#waitingForGap = true;
				this.#options.later(() => {
					// The gap is over in real time, whatever a test's clock says.
					this.#waitingForGap = false;
					this.#lastStartAt = undefined;
					this.#options.settled();
				}, wait);
			}
			return undefined;
		}
		this.#inFlightSince = now;
		this.#lastStartAt = now;
		return this.#try(cursor)
			.catch((error: unknown) => this.#options.log(`${this.#sink.name} delivery failed: ${String(error)}`))
			.finally(() => {
				this.#inFlightSince = undefined;
				this.#options.settled();
			});
	}

	/** When the room must wake for this sink: a retry, or a try lost with this instance; none when idle. */
	wakeAt(): number | undefined {
		if (this.#inFlightSince !== undefined) return this.#inFlightSince + WEBHOOK_TIMEOUT_MS + LOST_TRY_MS;
		const cursor = this.#cursor;
		return hasPending(cursor, this.#outbox.lastSeq) ? cursor.retryAt : undefined;
	}

	get #cursor(): SinkCursor {
		return this.#outbox.cursor(this.#sink.name);
	}

	async #try(cursor: SinkCursor): Promise<void> {
		const sink = this.#sink;
		const rows = this.#outbox.rows(cursor.done, sink.maxEvents);
		if (rows.length === 0) return;
		const first = rows[0] as OutboxRow;
		if (sink.maxEventBytes !== undefined && utf8ByteLength(first.data) > sink.maxEventBytes) {
			this.#options.log(`event ${first.seq} (${first.type}) is too large for the ${sink.name}: dropped for it`);
			this.#outbox.update(sink.name, giveUpThrough(cursor, first.seq));
			return;
		}
		const attempt = attemptOf(cursor, first.seq);
		const events = rows.map((row, i) => eventJson(row, this.#options.room(), i === 0 ? attempt.dropped : 0));
		const count = fitInTry(sink, sink.maxEventBytes === undefined ? events : within(events, sink.maxEventBytes));
		attempt.through = (rows[count - 1] as OutboxRow).seq;
		try {
			await sink.send(events.slice(0, count));
		} catch (error) {
			this.#failed(attempt.from, attempt.through, error);
			return;
		}
		this.#outbox.update(sink.name, afterDelivery(this.#cursor, attempt));
	}

	#failed(from: number, through: number, error: unknown): void {
		const { now, random, log } = this.#options;
		const at = now();
		let next = afterFailure(this.#cursor, at, random());
		const stale = this.#outbox.lastWrittenBefore(next.done, giveUpBefore(at));
		if (stale !== undefined) next = giveUpThrough(next, stale);
		this.#outbox.update(this.#sink.name, next);
		const detail = error instanceof Error ? error.message : String(error);
		const range = from === through ? `event ${from}` : `events ${from}–${through}`;
		const gaveUp = stale === undefined ? "" : `; gave up on events through ${stale}, undelivered for days`;
		log(
			`${this.#sink.name} delivery of ${range} failed (${detail}); try ${next.failures + 1} in ${Math.round((next.retryAt - at) / 1000)} s${gaveUp}`,
		);
	}
}

/** The events before the first one larger than `maxBytes` (which the next try drops). */
function within(events: readonly string[], maxBytes: number): string[] {
	const over = events.findIndex((event, i) => i > 0 && utf8ByteLength(event) > maxBytes);
	return over === -1 ? [...events] : events.slice(0, over);
}

/** An event as the contract writes it: `{id, type, room, seq, at, data}`, and `dropped` when some were lost. */
export function eventJson(row: OutboxRow, room: string, dropped: number): string {
	const head = `{"id":${JSON.stringify(row.id)},"type":${JSON.stringify(row.type)},"room":${JSON.stringify(room)}`;
	const tail = dropped > 0 ? `,"dropped":${dropped}}` : "}";
	return `${head},"seq":${row.seq},"at":${row.at},"data":${row.data}${tail}`;
}
