/**
 * Batching changes how events are framed, never which events a connection gets or their order
 * (1.2): replies in order with the room's events, a sender's messages and signals in the order
 * sent, direct messages to their user only, the same `Presence` frames, the slow-reader bound
 * (what the room holds counts), and the choice surviving a wake-up.
 */
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CloseCodes, type ServerFrame } from "../../src/protocol";
import { randomRoom, type TestClient } from "../support/client";
import { expectTooSlowLogs } from "../support/expected-logs";
import { reportBacklog } from "../workerd/backlog";
import { join, roomStub } from "../workerd/connect";
import {
	batchFrames,
	burst,
	endHolds,
	frameSizes,
	messageNumbers,
	quiet,
	signalBurst,
	signalNumbers,
	upTo,
} from "./batching";

/** The events of `client` from `userId`, as `M<n>` (message) and `S<n>` (signal), in order. */
function fromUser(client: TestClient, userId: string): string[] {
	return client.frames.flatMap((frame): string[] => {
		if (frame.event === "Message" && frame.data.from.userId === userId)
			return [`M${(frame.data.message as { n: number }).n}`];
		if (frame.event === "Signal" && frame.data.from.userId === userId)
			return [`S${(frame.data.signal as { n: number }).n}`];
		return [];
	});
}

describe("with batched frames", () => {
	it("a connection's replies keep their place among the room's events, and its own messages never come back", async () => {
		const room = randomRoom();
		const batched = await join(room, "alice", { batch: true });
		const other = await join(room, "bob");
		await quiet(other);
		const requestIds: string[] = [];
		for (let n = 0; n < 20; n++) {
			other.send({ eventType: "ClientEvent", event: "SendMessage", requestData: { message: { n } } });
			other.send({ eventType: "ClientEvent", event: "Signal", requestData: { signal: { n } } });
			const requestId = `alice-${n}`;
			requestIds.push(requestId);
			batched.send({ eventType: "ClientEvent", event: "SendMessage", requestId, requestData: { message: { n } } });
		}
		await other.settle();
		await endHolds(other);
		await expect.poll(() => batched.received("MessageAck").length).toBe(20);
		await expect.poll(() => messageNumbers(batched).length).toBe(20);
		expect(batchFrames(batched).length).toBeGreaterThan(0);

		// One seq order across bob's messages and alice's acknowledgements, as the room stored them.
		const seqs = batched.frames.flatMap((frame: ServerFrame) =>
			frame.event === "Message" || frame.event === "MessageAck" ? [frame.data.seq] : [],
		);
		expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
		expect(new Set(seqs).size).toBe(40);
		expect(batched.received("MessageAck").map((frame) => frame.requestId)).toEqual(requestIds);
		// Bob's messages and signals in the order he sent them; none of alice's own.
		expect(fromUser(batched, "bob")).toEqual(upTo(20).flatMap((n) => [`M${n}`, `S${n}`]));
		expect(fromUser(batched, "alice")).toEqual([]);
	});

	it("a direct message reaches only its user's connections", async () => {
		const room = randomRoom();
		const carol = await join(room, "carol", { batch: true });
		const dave = await join(room, "dave", { batch: true });
		const sender = await join(room, "erin");
		await quiet(sender);
		const marks = { dave: dave.frames.length };
		await burst(sender, 10, (n) => ({ event: "SendMessage", requestData: { message: { n }, to: "carol" } }));
		await burst(sender, 1, () => ({ event: "SendMessage", requestData: { message: { n: 10 } } }));
		await endHolds(sender);
		await expect.poll(() => messageNumbers(carol)).toEqual(upTo(11));
		await expect.poll(() => messageNumbers(dave)).toEqual([10]);
		expect(dave.frames.slice(marks.dave).map((frame) => frame.event)).toEqual(["Message"]);
		expect(
			carol
				.received("Message")
				.slice(0, 10)
				.every((frame) => frame.data.to === "carol"),
		).toBe(true);
	});

	it("every batched-presence connection gets the same Presence frames, framed in a batch or not", async () => {
		const room = randomRoom();
		const framed = await join(room, "watcher-a", { presence: "batched", batch: true });
		const plain = await join(room, "watcher-b", { presence: "batched" });
		const sender = await join(room, "chatter");
		await quiet(sender);
		const marks = { framed: framed.received("Presence").length, plain: plain.received("Presence").length };
		// Messages keep the batch busy while people come and go.
		const comers: TestClient[] = [];
		for (let i = 0; i < 6; i++) {
			await burst(sender, 3);
			comers.push(await join(room, `comer-${i}`));
			if (i % 2 === 1) comers.shift()?.close();
		}
		for (const comer of comers) comer.close();
		const converged = (client: TestClient) => client.received("Presence").at(-1)?.data.userCount === 3;
		await expect.poll(() => converged(plain), { timeout: 5000 }).toBe(true);
		await endHolds(sender);
		await expect.poll(() => converged(framed), { timeout: 5000 }).toBe(true);
		const presence = (client: TestClient, mark: number) =>
			client
				.received("Presence")
				.slice(mark)
				.map((frame) => frame.data);
		expect(presence(framed, marks.framed)).toEqual(presence(plain, marks.plain));
		expect(messageNumbers(framed)).toEqual(messageNumbers(plain));
		expect(batchFrames(framed).length).toBeGreaterThan(0);
	});

	it("what the room holds for a reader counts toward MAX_BUFFERED_BYTES: a batched reader that is behind is closed sooner", async () => {
		const room = randomRoom();
		const batched = await join(room, "behind-batched", { batch: true });
		const plain = await join(room, "behind-plain");
		const sender = await join(room, "writer");
		await quiet(sender);
		// The runtime says 120,000 bytes wait for each, under the 131,072 of this project.
		await reportBacklog(room, batched, 120_000);
		await reportBacklog(room, plain, 120_000, false);
		const closing = expectTooSlowLogs(room, "behind-batched");
		await signalBurst(sender, 20, { pad: "x".repeat(1000) });
		expect(await batched.waitForClose()).toEqual({ code: CloseCodes.tooSlow, reason: "too slow" });
		expect(closing).toHaveLength(1);
		await plain.settle();
		expect(signalNumbers(plain)).toEqual(upTo(20));
		expect(plain.closeEvent).toBeUndefined();
		// It was sent what it got at once, and nothing after what it was held: 120,000 + 12 KB.
		expect(signalNumbers(batched).length).toBeLessThan(20);
	});

	it("the choice survives a wake-up: after hibernation nothing waits, and a burst is batched again", async () => {
		const room = randomRoom();
		const receiver = await join(room, "reader", { batch: true });
		const sender = await join(room, "writer");
		await quiet(sender);
		await evictDurableObject(roomStub(room));
		const mark = receiver.texts.length;
		await signalBurst(sender, 10);
		await endHolds(sender);
		await expect.poll(() => signalNumbers(receiver)).toEqual(upTo(10));
		expect(frameSizes(receiver).slice(mark)).toEqual([1, 9]);
	});
});
