import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { FrameOf } from "../support/client";
import { randomRoom } from "../support/client";
import { expectRoomLogs } from "../support/expected-logs";
import { connect, join, roomStub } from "./connect";
import { messagesPage, range, sendMany, seqs } from "./history-helpers";

async function registered(client: Awaited<ReturnType<typeof connect>>, userId: string, extra = {}) {
	const reply = await client.register(userId, extra);
	if (reply.event !== "Registered") throw new Error(`expected Registered, got ${JSON.stringify(reply)}`);
	return reply as FrameOf<"Registered">;
}

describe("history on Register", () => {
	it("in a room with no messages: lastSeq 0, empty history, nothing truncated", async () => {
		const reply = await registered(await connect(randomRoom()), "alice");
		expect(reply.data).toMatchObject({ lastSeq: 0, history: [], historyTruncated: false });
	});

	it("without since: the last 50 messages, oldest first, with every field", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice", { name: "Alice" });
		await sendMany(alice, 60);
		const reply = await registered(await connect(room), "bob");
		expect(reply.data.lastSeq).toBe(60);
		expect(seqs(reply.data.history)).toEqual(range(11, 60));
		expect(reply.data.history[0]).toEqual({
			id: expect.any(String),
			seq: 11,
			from: { userId: "alice", name: "Alice" },
			message: "m-10",
			sentAt: expect.any(Number),
		});
		// Older messages exist that this history leaves out.
		expect(reply.data.historyTruncated).toBe(true);
	});

	it("without since in a short room: everything, not truncated", async () => {
		const room = randomRoom();
		await sendMany(await join(room, "alice"), 3);
		const reply = await registered(await connect(room), "bob");
		expect(seqs(reply.data.history)).toEqual([1, 2, 3]);
		expect(reply.data.historyTruncated).toBe(false);
	});

	it("with since: exactly the messages after it, in order", async () => {
		const room = randomRoom();
		await sendMany(await join(room, "alice"), 20);
		const reply = await registered(await connect(room), "bob", { since: 13 });
		expect(seqs(reply.data.history)).toEqual(range(14, 20));
		expect(reply.data).toMatchObject({ lastSeq: 20, historyTruncated: false });
	});

	it("with since = lastSeq: nothing to resume, not truncated", async () => {
		const room = randomRoom();
		await sendMany(await join(room, "alice"), 5);
		const reply = await registered(await connect(room), "bob", { since: 5 });
		expect(reply.data).toMatchObject({ lastSeq: 5, history: [], historyTruncated: false });
	});

	it("with since = 0 in a room of 3: all three, the full 100 are not needed", async () => {
		const room = randomRoom();
		await sendMany(await join(room, "alice"), 3);
		const reply = await registered(await connect(room), "bob", { since: 0 });
		expect(seqs(reply.data.history)).toEqual([1, 2, 3]);
		expect(reply.data.historyTruncated).toBe(false);
	});

	it("with since and more than 100 missed: the latest 100, and historyTruncated", async () => {
		const room = randomRoom();
		await sendMany(await join(room, "alice"), 110);
		const reply = await registered(await connect(room), "bob", { since: 0 });
		expect(seqs(reply.data.history)).toEqual(range(11, 110));
		expect(reply.data).toMatchObject({ lastSeq: 110, historyTruncated: true });
	});

	it("shows a direct message only to its sender and its recipient", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		await join(room, "bob");
		await alice.request("SendMessage", { message: "for everyone" });
		await alice.request("SendMessage", { message: "for bob", to: "bob" });
		await alice.request("SendMessage", { message: "again for everyone" });

		const carol = await registered(await connect(room), "carol");
		expect(carol.data.history.map((m) => m.message)).toEqual(["for everyone", "again for everyone"]);
		const bob = await registered(await connect(room), "bob");
		expect(bob.data.history.map((m) => m.message)).toEqual(["for everyone", "for bob", "again for everyone"]);
		expect(bob.data.history[1]).toMatchObject({ seq: 2, to: "bob", from: { userId: "alice" } });
		const aliceAgain = await registered(await connect(room), "alice");
		expect(aliceAgain.data.history.map((m) => m.message)).toEqual(["for everyone", "for bob", "again for everyone"]);
		// The HTTP history is public: no direct message, whoever asks.
		const page = await messagesPage(room);
		expect(page.messages.map((m) => m.message)).toEqual(["for everyone", "again for everyone"]);
		expect(page.lastSeq).toBe(3);
	});

	it("a client that reconnects with the last seq it saw misses nothing and sees nothing twice", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const bob = await join(room, "bob");
		await sendMany(alice, 3, "before");
		const seen = [];
		for (let i = 0; i < 3; i++) seen.push((await bob.next("Message")).data.seq);
		bob.close();
		await sendMany(alice, 4, "while-away");
		const back = await registered(await connect(room), "bob", { since: seen.at(-1) });
		expect(back.data.history.map((m) => m.message)).toEqual(range(0, 3).map((i) => `while-away-${i}`));
		expect(seqs(back.data.history)).toEqual([4, 5, 6, 7]);
	});
});

describe("a since the room has never reached", () => {
	it("is answered as a fresh join: the latest messages, and a lastSeq below the client's since", async () => {
		const room = randomRoom();
		await sendMany(await join(room, "alice"), 3);
		const reply = await registered(await connect(room), "bob", { since: 50 });
		expect(reply.data).toMatchObject({ lastSeq: 3, historyTruncated: false });
		expect(seqs(reply.data.history)).toEqual([1, 2, 3]);
	});
});

describe("durability", () => {
	it("a message that cannot be stored is refused with INTERNAL, delivered to no one, and uses up nothing", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const bob = await join(room, "bob");
		await alice.request("SendMessage", { message: "one" });
		await bob.next("Message");
		const rename = (from: string, to: string) =>
			runInDurableObject(roomStub(room), (_, state) => {
				state.storage.sql.exec(`ALTER TABLE ${from} RENAME TO ${to}`);
			});
		await rename("messages", "messages_away");
		const logged = expectRoomLogs("error", room, /^webSocketMessage failed: .*no such table: messages/);
		const refused = await alice.request("SendMessage", { message: "lost?", clientMessageId: "c-x" });
		expect(refused).toMatchObject({ event: "Error", data: { code: "INTERNAL" } });
		expect(JSON.stringify(refused)).not.toMatch(/messages|sqlite|at .*\.ts/i);
		// The room's log says what failed, with the room's name; the client got none of it.
		expect(logged).toHaveLength(1);
		await bob.settle();
		expect(bob.received("Message")).toHaveLength(1);
		await rename("messages_away", "messages");

		// Neither the seq nor the clientMessageId was used up.
		const retried = await alice.request("SendMessage", { message: "lost?", clientMessageId: "c-x" });
		expect(retried).toMatchObject({ event: "MessageAck", data: { seq: 2 } });
		expect(retried.event === "MessageAck" && retried.data.duplicate).toBeFalsy();
		expect((await bob.next("Message")).data).toMatchObject({ seq: 2, message: "lost?" });
	});

	it("a message acked just before an eviction is in the history after it, with the same id and seq", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const ack = await alice.request("SendMessage", { message: "last words", clientMessageId: "c-1" });
		if (ack.event !== "MessageAck") throw new Error("no ack");
		await evictDurableObject(roomStub(room));

		const reply = await registered(await connect(room), "bob", { since: 0 });
		expect(reply.data.history).toEqual([
			{
				id: ack.data.id,
				seq: ack.data.seq,
				from: { userId: "alice", name: "alice" },
				message: "last words",
				sentAt: ack.data.sentAt,
			},
		]);
		expect((await messagesPage(room)).messages.map((m) => m.id)).toEqual([ack.data.id]);
	});

	it("keeps any JSON value as it was sent", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const values = [null, 0, -1.5, true, "", "ünïcødé 🚀", [1, [2]], { nested: { deep: [null] } }];
		for (const message of values) await alice.request("SendMessage", { message });
		await evictDurableObject(roomStub(room));
		const reply = await registered(await connect(room), "bob", { since: 0 });
		expect(reply.data.history.map((m) => m.message)).toEqual(values);
	});
});
