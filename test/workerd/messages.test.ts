import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { connect, join } from "./connect";

describe("SendMessage", () => {
	it("acks the sender and delivers Message to every other registered connection, not to the sender", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice", { name: "Alice" });
		const bob = await join(room, "bob");
		const carol = await join(room, "carol");
		const ack = await alice.request("SendMessage", { message: { text: "hello", n: [1, 2] } });
		expect(ack).toMatchObject({
			event: "MessageAck",
			data: { id: expect.any(String), seq: expect.any(Number), sentAt: expect.any(Number) },
		});
		if (ack.event !== "MessageAck") return;
		for (const receiver of [bob, carol]) {
			const message = await receiver.next("Message");
			expect(message.requestId).toBeUndefined();
			expect(message.data).toEqual({
				id: ack.data.id,
				seq: ack.data.seq,
				from: { userId: "alice", name: "Alice" },
				message: { text: "hello", n: [1, 2] },
				sentAt: ack.data.sentAt,
			});
		}
		await alice.settle();
		expect(alice.received("Message")).toHaveLength(0);
	});

	it("delivers to the sender's other tabs but not the sending one", async () => {
		const room = randomRoom();
		const tab1 = await join(room, "alice");
		const tab2 = await join(room, "alice");
		await tab1.request("SendMessage", { message: "from tab 1" });
		const echo = await tab2.next("Message");
		expect(echo.data.message).toBe("from tab 1");
		await tab1.settle();
		expect(tab1.received("Message")).toHaveLength(0);
	});

	it("carries any JSON value as the message", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const bob = await join(room, "bob");
		for (const value of [null, 0, "text", true, [1, "two"], { deep: { er: [{}] } }]) {
			await alice.request("SendMessage", { message: value });
			expect((await bob.next("Message")).data.message).toEqual(value);
		}
	});

	it("refuses an unregistered connection with NOT_REGISTERED and delivers nothing", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const stranger = await connect(room);
		const reply = await stranger.request("SendMessage", { message: "hi" });
		expect(reply).toMatchObject({ event: "Error", data: { code: "NOT_REGISTERED", message: expect.any(String) } });
		await alice.settle();
		expect(alice.pending()).toEqual([]);
	});

	it("gives strictly increasing seq across interleaved senders, seen in the same order by everyone", async () => {
		const room = randomRoom();
		const senders = await Promise.all(["s1", "s2", "s3"].map((user) => join(room, user)));
		const watcher = await join(room, "watcher");
		const perSender = 10;
		const acks = await Promise.all(
			senders.map(async (sender, index) => {
				const seqs: number[] = [];
				for (let i = 0; i < perSender; i++) {
					const ack = await sender.request("SendMessage", { message: { index, i } });
					if (ack.event !== "MessageAck") throw new Error(`expected ack, got ${JSON.stringify(ack)}`);
					seqs.push(ack.data.seq);
				}
				return seqs;
			}),
		);
		for (const seqs of acks)
			for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1] as number);
		const all = acks.flat().sort((a, b) => a - b);
		expect(new Set(all).size).toBe(all.length);
		const seen: number[] = [];
		for (let i = 0; i < all.length; i++) seen.push((await watcher.next("Message")).data.seq);
		expect(seen).toEqual(all);
		expect(all[0]).toBe(1);
		expect(all.at(-1)).toBe(all.length);
	});
});

describe("direct messages", () => {
	it("delivers a message with `to` only to that user's connections", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const bobTab1 = await join(room, "bob");
		const bobTab2 = await join(room, "bob");
		const carol = await join(room, "carol");
		const ack = await alice.request("SendMessage", { message: "psst", to: "bob" });
		expect(ack.event).toBe("MessageAck");
		for (const tab of [bobTab1, bobTab2]) {
			const message = await tab.next("Message");
			expect(message.data).toMatchObject({ message: "psst", to: "bob", from: { userId: "alice" } });
		}
		await carol.settle();
		expect(carol.received("Message")).toHaveLength(0);
		await alice.settle();
		expect(alice.received("Message")).toHaveLength(0);
	});

	it("refuses an unknown or departed recipient with USER_NOT_FOUND and takes no seq", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const bob = await join(room, "bob");
		const first = await alice.request("SendMessage", { message: 1 });
		const unknown = await alice.request("SendMessage", { message: "x", to: "nobody" });
		expect(unknown).toMatchObject({ event: "Error", data: { code: "USER_NOT_FOUND" } });
		await bob.request("Unregister");
		const gone = await alice.request("SendMessage", { message: "x", to: "bob" });
		expect(gone).toMatchObject({ event: "Error", data: { code: "USER_NOT_FOUND" } });
		const next = await alice.request("SendMessage", { message: 2 });
		if (first.event !== "MessageAck" || next.event !== "MessageAck") throw new Error("expected acks");
		expect(next.data.seq).toBe(first.data.seq + 1);
		await bob.settle();
		expect(bob.received("Message")).toHaveLength(1);
	});

	it("lets a user message their own other tabs", async () => {
		const room = randomRoom();
		const tab1 = await join(room, "alice");
		const tab2 = await join(room, "alice");
		await tab1.request("SendMessage", { message: "note to self", to: "alice" });
		expect((await tab2.next("Message")).data.message).toBe("note to self");
		await tab1.settle();
		expect(tab1.received("Message")).toHaveLength(0);
	});
});
