/**
 * Batched frames (protocol 1.2), end to end on the real `wrangler dev` (development mode,
 * `BATCH_MS` 20): a burst reaches a connection that registered with `"batch": true` in fewer
 * frames than events, some of them JSON arrays, each event once and in order, exactly the events
 * an unbatched connection in the same room gets one frame each. Senders are unbatched raw sockets
 * sending without waiting, each within its rate limit's burst.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Limits, PROTOCOL_REVISION, type ServerFrame } from "../../src/protocol";
import { type FrameOf, isProbeReply, randomRoom } from "../support/client";
import { closeAll, type E2EClient, join, WAIT_MS } from "./clients";

afterEach(closeAll);

/** Where a receiver's record stood before the burst. */
interface Mark {
	client: E2EClient;
	texts: number;
	frames: number;
}

/** What a receiver got since its mark: each frame as it came, and the events they carried. */
interface Received {
	texts: string[];
	events: ServerFrame[];
	/** The frames that were JSON arrays, parsed. */
	arrays: ServerFrame[][];
}

/** Everything sent to these receivers so far has arrived (a barrier each); marks where they stand. */
async function markAfterSettling(...clients: E2EClient[]): Promise<Mark[]> {
	await Promise.all(clients.map((client) => client.settle(WAIT_MS)));
	return clients.map((client) => ({ client, texts: client.texts.length, frames: client.frames.length }));
}

function since({ client, texts, frames }: Mark): Received {
	const newTexts = client.texts.slice(texts);
	const arrays = newTexts.filter((text) => text.startsWith("[")).map((text) => JSON.parse(text) as ServerFrame[]);
	return { texts: newTexts, events: client.frames.slice(frames), arrays };
}

/**
 * The framing is what the contract says: every array holds 2 to 256 events (a single event goes
 * as it is), and the frames carry exactly the events received, no more.
 */
function expectWellFramed(received: Received): void {
	for (const array of received.arrays) {
		expect(array.length).toBeGreaterThanOrEqual(2);
		expect(array.length).toBeLessThanOrEqual(Limits.batchMaxEvents);
	}
	const singles = received.texts.length - received.arrays.length;
	const inArrays = received.arrays.reduce((sum, array) => sum + array.length, 0);
	expect(singles + inArrays).toBe(received.events.length);
}

/** An unbatched receiver: one frame per event, never an array. */
function expectOneFramePerEvent(received: Received): void {
	expect(received.arrays).toEqual([]);
	expect(received.texts.length).toBe(received.events.length);
}

/** How many client events a fresh sender may send at once: its burst, less its Register and a settle, less one to spare. */
function burstOf(client: E2EClient): number {
	return client.established.data.limits.burst - 3;
}

function messagesOf(events: readonly ServerFrame[]): FrameOf<"Message">[] {
	return events.filter((frame): frame is FrameOf<"Message"> => frame.event === "Message");
}

function range(count: number, from = 0): number[] {
	return Array.from({ length: count }, (_, i) => from + i);
}

describe("batched frames (1.2)", () => {
	it("a burst of messages reaches a batched receiver in fewer frames, each once in seq order, the same events an unbatched receiver gets one a frame", async () => {
		const room = randomRoom();
		const senders: E2EClient[] = [];
		for (const s of range(3)) senders.push((await join(room, `sender-${s}`)).client);
		const { client: batched } = await join(room, "batched", { batch: true });
		const { client: plain } = await join(room, "plain");
		expect(batched.established.data.version).toBe(PROTOCOL_REVISION);
		expect(batched.established.data.limits.batchMs).toBe(20);
		await batched.next("UserJoined", (frame) => frame.data.user.userId === "plain", WAIT_MS);
		const [batchedMark, plainMark] = (await markAfterSettling(batched, plain)) as [Mark, Mark];

		// Every sender's whole burst goes out in this one turn, before any answer can come back.
		const perSender = burstOf(senders[0] as E2EClient);
		const sending = senders.map((sender, s) =>
			Promise.all(range(perSender).map((n) => sender.request("SendMessage", { message: { s, n } }, WAIT_MS))),
		);
		const acks = await Promise.all(sending);
		for (const reply of acks.flat()) expect(reply.event, JSON.stringify(reply)).toBe("MessageAck");
		const total = senders.length * perSender;
		// A fresh room numbers its messages 1..total; the last one's arrival means all have arrived.
		const seqs = range(total, 1);
		await Promise.all(
			[batched, plain].map((client) =>
				client
					.next("Message", (frame) => frame.data.seq === total, WAIT_MS)
					.catch((error: unknown) => {
						throw new Error(`${client === batched ? "batched" : "plain"}: ${String(error)}`);
					}),
			),
		);

		const fromBatched = since(batchedMark);
		const fromPlain = since(plainMark);
		// Each event once, in seq order, each sender's in the order it sent them.
		expect(fromBatched.events.map((frame) => frame.event)).toEqual(seqs.map(() => "Message"));
		const messages = messagesOf(fromBatched.events);
		expect(messages.map((frame) => frame.data.seq)).toEqual(seqs);
		for (const s of range(senders.length)) {
			const ofSender = messages.filter((frame) => frame.data.from.userId === `sender-${s}`);
			expect(ofSender.map((frame) => frame.data.message)).toEqual(range(perSender).map((n) => ({ s, n })));
		}
		// Fewer frames than events, some of them arrays.
		expectWellFramed(fromBatched);
		expect(fromBatched.arrays.length).toBeGreaterThanOrEqual(1);
		expect(fromBatched.texts.length).toBeLessThan(total);
		// The unbatched receiver in the same room: the same events, one frame each.
		expectOneFramePerEvent(fromPlain);
		expect(fromPlain.events).toEqual(fromBatched.events);

		// Nothing more comes after (no event twice), and no sender heard its own messages.
		await Promise.all([batched, plain, ...senders].map((client) => client.settle(WAIT_MS)));
		expect(messagesOf(since(batchedMark).events)).toHaveLength(total);
		expect(messagesOf(since(plainMark).events)).toHaveLength(total);
		for (const [s, sender] of senders.entries()) {
			const heard = sender.received("Message");
			expect(heard.filter((frame) => frame.data.from.userId === `sender-${s}`)).toEqual([]);
			expect(heard.map((frame) => frame.data.seq)).toEqual(
				messages.filter((frame) => frame.data.from.userId !== `sender-${s}`).map((frame) => frame.data.seq),
			);
		}
	});

	it("messages and signals from two senders, interleaved, some only for the batched receiver: each sender's order holds, and each event reaches exactly whom it is for", async () => {
		const room = randomRoom();
		const { client: alice } = await join(room, "alice");
		const { client: bob } = await join(room, "bob");
		const { client: batched } = await join(room, "batched", { batch: true });
		const { client: plain } = await join(room, "plain");
		await batched.next("UserJoined", (frame) => frame.data.user.userId === "plain", WAIT_MS);
		const [batchedMark, plainMark, aliceMark, bobMark] = (await markAfterSettling(batched, plain, alice, bob)) as [
			Mark,
			Mark,
			Mark,
			Mark,
		];

		// In waves, so that the two senders' events surely interleave: within a wave both bursts go out
		// in one turn; the next wave starts once the room has answered every frame of this one.
		const waves = 4;
		const perWave = Math.floor((burstOf(alice) - waves) / waves);
		const total = waves * perWave;
		const forBatched = (n: number, kind: "message" | "signal") => n % 4 === (kind === "message" ? 3 : 1);
		const acks: Promise<ServerFrame>[] = [];
		for (const wave of range(waves)) {
			const answered: Promise<unknown>[] = [];
			for (const n of range(perWave, wave * perWave)) {
				const to = (kind: "message" | "signal") => (forBatched(n, kind) ? { to: "batched" } : {});
				answered.push(alice.request("SendMessage", { message: { n }, ...to("message") }, WAIT_MS));
				bob.send({
					eventType: "ClientEvent",
					event: "Signal",
					requestId: `signal-${n}`,
					requestData: { signal: { n }, ...to("signal") },
				});
			}
			acks.push(...(answered as Promise<ServerFrame>[]));
			// The room answers a connection's frames in order: its answer to this probe comes after its refusals, if any.
			await Promise.all([...answered, bob.settle(WAIT_MS)]);
		}
		for (const reply of await Promise.all(acks)) expect(reply.event, JSON.stringify(reply)).toBe("MessageAck");
		// A signal may be refused while the room is behind its input (a loaded machine); it then reaches nobody.
		const refusals = since(bobMark).events.filter((frame) => frame.event === "Error" && !isProbeReply(frame));
		for (const refusal of refusals) {
			expect(refusal.requestId).toMatch(/^signal-\d+$/);
			expect(refusal.data).toMatchObject({ code: "RATE_LIMITED" });
		}
		const refused = new Set(refusals.map((frame) => Number(frame.requestId?.slice("signal-".length))));
		const delivered = range(total).filter((n) => !refused.has(n));
		expect(delivered.length).toBeGreaterThan(0);

		// Every event has been sent out once bob's last answer is in; a barrier on each receiver then
		// proves that everything has arrived.
		await Promise.all([batched, plain, alice].map((client) => client.settle(WAIT_MS)));
		const fromBatched = since(batchedMark);
		const fromPlain = since(plainMark);
		const heard = (received: Received) =>
			received.events.filter((frame) => frame.event === "Message" || frame.event === "Signal");
		const batchedEvents = heard(fromBatched);
		const plainEvents = heard(fromPlain);

		// The batched receiver: all of alice's messages, all of bob's signals that went through, each
		// sender's in its order, the waves in order.
		const nOf = (frame: ServerFrame) => (payloadOf(frame) as { n: number }).n;
		expect(batchedEvents.filter((frame) => frame.event === "Message").map(nOf)).toEqual(range(total));
		expect(batchedEvents.filter((frame) => frame.event === "Signal").map(nOf)).toEqual(delivered);
		expect(fromBatched.events.filter((frame) => !isProbeReply(frame))).toEqual(batchedEvents);
		const waveOrder = batchedEvents.map((frame) => Math.floor(nOf(frame) / perWave));
		expect(waveOrder).toEqual([...waveOrder].sort((a, b) => a - b));
		expect(messagesOf(batchedEvents).map((frame) => frame.data.seq)).toEqual(range(total, 1));
		expectWellFramed(fromBatched);
		expect(fromBatched.arrays.length).toBeGreaterThanOrEqual(1);
		expect(fromBatched.texts.length).toBeLessThan(fromBatched.events.length);

		// The unbatched receiver: exactly the events for everyone, in the same order, one frame each;
		// nothing meant for the batched receiver alone.
		expectOneFramePerEvent(fromPlain);
		expect(plainEvents).toEqual(batchedEvents.filter((frame) => toOf(frame) === undefined));
		expect(plainEvents.filter((frame) => frame.event === "Message").map(nOf)).toEqual(
			range(total).filter((n) => !forBatched(n, "message")),
		);
		expect(plainEvents.filter((frame) => frame.event === "Signal").map(nOf)).toEqual(
			delivered.filter((n) => !forBatched(n, "signal")),
		);

		// The senders: each hears the other's events for everyone, in order, and never its own.
		expect(heard(since(aliceMark))).toEqual(plainEvents.filter((frame) => frame.event === "Signal"));
		expect(heard(since(bobMark))).toEqual(plainEvents.filter((frame) => frame.event === "Message"));
	});
});

function payloadOf(frame: ServerFrame): unknown {
	if (frame.event === "Message") return frame.data.message;
	if (frame.event === "Signal") return frame.data.signal;
	throw new Error(`not a message or a signal: ${JSON.stringify(frame)}`);
}

function toOf(frame: ServerFrame): string | undefined {
	return frame.event === "Message" || frame.event === "Signal" ? frame.data.to : undefined;
}
