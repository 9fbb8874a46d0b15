/**
 * (1.4) Where a room's events go. A sink takes one try's events (each already JSON, oldest first)
 * and resolves once they are delivered, or throws why not; the delivery loop keeps a cursor per
 * sink, so a further sink (a directory fed by the rooms) is one more of these with its name.
 */
import { clock } from "../../clock";
import { importWebhookKey, signWebhook, utf8ByteLength, WEBHOOK_TIMEOUT_MS, WebhookHeaders } from "../../protocol";

/** The webhook's gap between tries: a busy room's events share a request, at most this much later. */
export const WEBHOOK_TRY_GAP_MS = 250;

export interface EventSink {
	/** Its cursor's name in the outbox: never renamed once shipped. */
	readonly name: string;
	/** The most events one try carries. */
	readonly maxEvents: number;
	/** The most UTF-8 bytes of events one try carries, unless it carries a single event. */
	readonly maxBytes: number;
	/** An event larger than this cannot be carried at all: it is dropped for this sink (and counted). */
	readonly maxEventBytes?: number;
	/**
	 * A try starts at least this long after the previous one started, so that a busy room's events
	 * share one (a webhook request cost the room about 2.5 ms of CPU, bench (e)); 0: at once.
	 */
	readonly tryGapMs: number;
	send(events: readonly string[]): Promise<void>;
}

/**
 * A signed POST of `{"events": [...]}` to `url` (Standard Webhooks headers); any 2xx within
 * `WEBHOOK_TIMEOUT_MS` delivers, anything else (a redirect too) fails.
 */
export function webhookSink(url: string, secret: string, now: () => number = clock.now): EventSink {
	let key: Promise<CryptoKey> | undefined;
	return {
		name: "webhook",
		maxEvents: 100,
		tryGapMs: WEBHOOK_TRY_GAP_MS,
		maxBytes: 1_048_576,
		async send(events) {
			key ??= importWebhookKey(secret);
			const body = `{"events":[${events.join(",")}]}`;
			const id = `msg_${crypto.randomUUID()}`;
			const timestamp = Math.floor(now() / 1000);
			const signature = await signWebhook(await key, id, timestamp, body);
			let response: Response;
			try {
				response = await fetch(url, {
					method: "POST",
					headers: {
						"Content-Type": "application/json",
						[WebhookHeaders.id]: id,
						[WebhookHeaders.timestamp]: String(timestamp),
						[WebhookHeaders.signature]: signature,
					},
					body,
					redirect: "manual",
					signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
				});
			} catch (error) {
				const timedOut = error instanceof Error && error.name === "TimeoutError";
				throw new Error(timedOut ? `no answer within ${WEBHOOK_TIMEOUT_MS / 1000} s` : `failed: ${String(error)}`);
			}
			await response.body?.cancel();
			if (response.status < 200 || response.status > 299) throw new Error(`answered ${response.status}`);
		},
	};
}

/**
 * One queue message per event (its JSON object as the body), sent in batches within the
 * platform's limits (100 messages, 256 KB a batch, 128 KB a message).
 */
export function queueSink(queue: Queue): EventSink {
	return {
		name: "queue",
		maxEvents: 100,
		tryGapMs: 0,
		maxBytes: 240_000,
		maxEventBytes: 120_000,
		async send(events) {
			await queue.sendBatch(events.map((event) => ({ body: JSON.parse(event) as unknown, contentType: "json" })));
		},
	};
}

/** How many of `events` (JSON) one try of `sink` carries: at least one, within its bounds. */
export function fitInTry(sink: EventSink, events: readonly string[]): number {
	let bytes = 0;
	let count = 0;
	for (const event of events) {
		if (count >= sink.maxEvents) break;
		bytes += utf8ByteLength(event) + 1;
		if (count > 0 && bytes > sink.maxBytes) break;
		count++;
	}
	return count;
}
