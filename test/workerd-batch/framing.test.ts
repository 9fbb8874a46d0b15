/**
 * How batched frames form (1.2): at once in a quiet room, held under a burst for at most
 * `BATCH_MS` (here a second, ended by moving the clock), capped at 256 events and at half the
 * backlog bound of text, and only for connections that asked.
 */
import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { connect, join } from "../workerd/connect";
import {
	batchFrames,
	burst,
	endHolds,
	frameSizes,
	framesArrive,
	messageNumbers,
	quiet,
	signalBurst,
	signalNumbers,
	upTo,
} from "./batching";

describe("batched frames", () => {
	it("are not held in a quiet room: an event for a connection with nothing waiting goes at once, alone", async () => {
		const room = randomRoom();
		const receiver = await join(room, "reader", { batch: true });
		const sender = await join(room, "writer");
		await quiet(sender);
		const mark = receiver.texts.length;
		await sender.request("SendMessage", { message: { n: 0 } });
		await framesArrive(receiver, mark + 1);
		// Held, it would have waited for a second of real time or for the clock to move.
		await sender.settle();
		expect(receiver.texts.slice(mark)).toHaveLength(1);
		expect(JSON.parse(receiver.texts[mark] as string)).toMatchObject({ event: "Message", data: { message: { n: 0 } } });
	});

	it("form under a burst: the first event goes at once, the rest wait together and come as one array, in order", async () => {
		const room = randomRoom();
		const receiver = await join(room, "reader", { batch: true });
		const plain = await join(room, "plain");
		const sender = await join(room, "writer");
		await quiet(sender);
		const marks = { receiver: receiver.texts.length, plain: plain.texts.length };
		await burst(sender, 30);
		await framesArrive(receiver, marks.receiver + 1);
		expect(messageNumbers(receiver)).toEqual([0]);

		await endHolds(sender);
		await framesArrive(receiver, marks.receiver + 2);
		expect(frameSizes(receiver).slice(marks.receiver)).toEqual([1, 29]);
		expect(messageNumbers(receiver)).toEqual(upTo(30));
		// The same events, each once, in the same order, to a connection that did not ask: one a frame.
		await plain.settle();
		expect(plain.texts.length - marks.plain).toBe(31);
		expect(batchFrames(plain)).toEqual([]);
		const seqs = receiver.received("Message").map((frame) => frame.data.seq);
		expect(seqs).toEqual(plain.received("Message").map((frame) => frame.data.seq));
	});

	it("hold at most BATCH_MS: a batch goes as soon as the room handles anything once its hold has passed", async () => {
		const room = randomRoom();
		const receiver = await join(room, "reader", { batch: true });
		const sender = await join(room, "writer");
		await quiet(sender);
		await signalBurst(sender, 5);
		await framesArrive(receiver, 1);
		expect(signalNumbers(receiver)).toEqual([0]);
		// Not yet: the clock has not reached the end of the hold.
		await sender.settle();
		expect(signalNumbers(receiver)).toEqual([0]);
		await endHolds(sender);
		await expect.poll(() => signalNumbers(receiver)).toEqual(upTo(5));
	});

	it("hold at most 256 events: a full batch goes at once and the next event starts another", async () => {
		const room = randomRoom();
		const receiver = await join(room, "reader", { batch: true });
		const sender = await join(room, "writer");
		await quiet(sender);
		const mark = receiver.texts.length;
		await signalBurst(sender, 300);
		await framesArrive(receiver, mark + 2);
		expect(frameSizes(receiver).slice(mark)).toEqual([1, 256]);
		await endHolds(sender);
		await framesArrive(receiver, mark + 3);
		expect(frameSizes(receiver).slice(mark)).toEqual([1, 256, 43]);
		expect(signalNumbers(receiver)).toEqual(upTo(300));
	});

	it("hold at most half of MAX_BUFFERED_BYTES of text (here 64 KiB; 1 MiB at most), unless one event is larger", async () => {
		const room = randomRoom();
		const receiver = await join(room, "reader", { batch: true });
		const sender = await join(room, "writer");
		await quiet(sender);
		const mark = receiver.texts.length;
		await signalBurst(sender, 12, { pad: "x".repeat(12_000) });
		await signalBurst(sender, 1, { n: 12, pad: "y".repeat(70_000) });
		await endHolds(sender);
		await expect.poll(() => signalNumbers(receiver).length).toBe(13);
		expect(signalNumbers(receiver)).toEqual(upTo(13));
		for (const text of batchFrames(receiver)) expect(new TextEncoder().encode(text).length).toBeLessThanOrEqual(65_536);
		// Five signals of 12 KB fill a batch; the 70 KB one goes alone, right after what waited.
		expect(frameSizes(receiver).slice(mark)).toEqual([1, 5, 5, 1, 1]);
	});

	it("are never sent to a connection that did not ask, nor after a Register that stops asking", async () => {
		const room = randomRoom();
		const receiver = await join(room, "reader", { batch: true });
		const sender = await join(room, "writer");
		await quiet(sender);
		await signalBurst(sender, 10);
		// Registering again without `batch` sends what waited first, then the reply, then one event a frame.
		const mark = receiver.texts.length;
		const registered = await receiver.register("reader");
		expect(registered.event).toBe("Registered");
		expect(frameSizes(receiver).slice(mark)).toEqual([9, 1]);
		const after = receiver.texts.length;
		await signalBurst(sender, 10);
		await receiver.settle();
		expect(frameSizes(receiver).slice(after)).toEqual(new Array(11).fill(1));
		expect(signalNumbers(receiver)).toEqual([...upTo(10), ...upTo(10)]);
	});

	it("are asked for with a boolean: anything else is BAD_REQUEST", async () => {
		const client = await connect(randomRoom());
		const reply = await client.register("someone", { batch: "yes" });
		expect(reply).toMatchObject({ event: "Error", data: { code: "BAD_REQUEST" } });
	});
});
