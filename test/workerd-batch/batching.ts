/**
 * What the batched-frames tests share: bursts sent without waiting, a view of how events were
 * framed, and the end of a hold (the clock moved past `BATCH_MS`, then any event the room handles).
 */
import { expect } from "vitest";
import type { ServerFrame } from "../../src/protocol";
import type { TestClient } from "../support/client";
import { WORKERD_BATCH_VARS } from "../support/pinned-vars";
import { passTime } from "../workerd/clock";

/** `BATCH_MS` of the workerd-batch project. */
export const BATCH_MS = Number(WORKERD_BATCH_VARS.BATCH_MS);

let burstCounter = 0;

/**
 * Sends `count` messages (or whatever `frameOf(i)` gives) without waiting between them, then waits
 * for every reply: the room has then handled all of them.
 */
export async function burst(
	sender: TestClient,
	count: number,
	frameOf: (i: number) => { event: string; requestData: unknown } = (i) => ({
		event: "SendMessage",
		requestData: { message: { n: i } },
	}),
): Promise<ServerFrame[]> {
	const ids: string[] = [];
	for (let i = 0; i < count; i++) {
		const requestId = `burst${++burstCounter}`;
		ids.push(requestId);
		sender.send({ eventType: "ClientEvent", requestId, ...frameOf(i) });
	}
	return Promise.all(ids.map((id) => sender.waitFor((frame) => frame.requestId === id, 5000, `reply ${id}`)));
}

/** The events of each frame a client received, in order (`pong` left out). */
export function framing(client: TestClient): unknown[][] {
	return client.texts
		.filter((text) => text !== "pong")
		.map((text) => {
			const parsed: unknown = JSON.parse(text);
			return Array.isArray(parsed) ? parsed : [parsed];
		});
}

/** How many events each frame held: `[1, 29]` is one event alone, then a batch of 29. */
export function frameSizes(client: TestClient): number[] {
	return framing(client).map((events) => events.length);
}

/** Whether a frame came as a JSON array (a batch) rather than one object. */
export function batchFrames(client: TestClient): string[] {
	return client.texts.filter((text) => text.startsWith("["));
}

/**
 * Ends every hold now: the clock moves past `BATCH_MS`, and the room handles an event from
 * `poker` (an unbatched connection), which sends whatever waited long enough before anything else.
 */
export async function endHolds(poker: TestClient): Promise<void> {
	passTime(BATCH_MS);
	await poker.settle();
}

/**
 * Makes the room quiet for `receivers`: what was held for them goes (`poker`'s event), then the
 * clock passes `BATCH_MS`, so that their next event finds nothing waiting and no recent frame.
 */
export async function quiet(poker: TestClient): Promise<void> {
	await endHolds(poker);
	passTime(BATCH_MS);
}

/**
 * Sends `count` signals `{n: i}` without waiting, then a probe: once its reply is here the room
 * has relayed them all. Signals are not stored: a burst of them takes the room a few milliseconds.
 */
export async function signalBurst(
	sender: TestClient,
	count: number,
	extra: Record<string, unknown> = {},
): Promise<void> {
	for (let i = 0; i < count; i++) {
		sender.send({ eventType: "ClientEvent", event: "Signal", requestData: { signal: { n: i, ...extra } } });
	}
	await sender.settle();
}

/** The `n` of each `Signal` a client got, in order. */
export function signalNumbers(client: TestClient): number[] {
	return client.received("Signal").map((frame) => (frame.data.signal as { n: number }).n);
}

/** The `n` of each `Message` a client got, in order. */
export function messageNumbers(client: TestClient): number[] {
	return client.received("Message").map((frame) => (frame.data.message as { n: number }).n);
}

/** 0..count-1. */
export function upTo(count: number): number[] {
	return Array.from({ length: count }, (_, i) => i);
}

/** Waits until the client has received at least `count` frames of text (batches count once). */
export async function framesArrive(client: TestClient, count: number): Promise<void> {
	await expect
		.poll(() => client.texts.filter((text) => text !== "pong").length, { timeout: 5000 })
		.toBeGreaterThanOrEqual(count);
}
