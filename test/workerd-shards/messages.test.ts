/**
 * (1.3) Messages across a room's objects (objects of 2: the root, shard 1, shard 2): one seq order,
 * every message once at every receiver, never back to its sender, acknowledged after the root
 * stored it; direct messages only where their user is; a resend through another object is a
 * duplicate; Registered.users is the whole roster.
 */
import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { messagesPage } from "../workerd/history-helpers";
import { type Member, members, reached, send, seqsOf, valuesOf } from "./rooms";

const FIVE = ["ann", "bob", "cat", "dan", "eve"];

describe("messages across a room's objects", () => {
	it("places five members over three objects with one roster", async () => {
		const room = randomRoom();
		const joined = await members(room, FIVE);
		expect(joined.map((member) => member.shard)).toEqual([0, 0, 1, 1, 2]);
		const last = joined[4]?.client.received("Registered")[0];
		expect(last?.data.userCount).toBe(5);
		expect(last?.data.users.map((user) => user.userId).sort()).toEqual(FIVE);
	});

	it("delivers every member's messages to every other member once, in seq order, never to the sender", async () => {
		const room = randomRoom();
		const joined = await members(room, FIVE);
		const sent: { seq: number; from: string }[] = [];
		for (let round = 0; round < 3; round++) {
			for (const member of joined)
				sent.push({ seq: await send(member.client, `${member.userId}-${round}`), from: member.userId });
		}
		const lastSeq = Math.max(...sent.map((each) => each.seq));
		expect(sent.map((each) => each.seq)).toEqual(sent.map((_, i) => i + 1));
		// A last message from the root's member: once every receiver has it, they have everything before it.
		const [ann, ...others] = joined as [Member, ...Member[]];
		const barrier = await send(ann.client, "barrier");
		for (const member of others) await reached(member.client, barrier);
		for (const member of joined) {
			const expected = sent.filter((each) => each.from !== member.userId).map((each) => each.seq);
			if (member.userId !== "ann") expected.push(barrier);
			expect(seqsOf(member.client), member.userId).toEqual(expected);
			expect(valuesOf(member.client).every((value) => !String(value).startsWith(`${member.userId}-`))).toBe(true);
		}
		expect(lastSeq).toBe(15);
	});

	it("acknowledges a message after the root stored it: the history has it", async () => {
		const room = randomRoom();
		const joined = await members(room, FIVE);
		const seq = await send(joined[4]?.client as never, "from shard 2");
		const page = await messagesPage(room);
		expect(page.messages.map((message) => [message.seq, message.message])).toEqual([[seq, "from shard 2"]]);
	});

	it("sends a direct message only to its user's connections, wherever they are", async () => {
		const room = randomRoom();
		const joined = await members(room, FIVE);
		const [ann, bob, cat, dan, eve] = joined as [Member, Member, Member, Member, Member];
		const toCat = await send(eve.client, "for cat", { to: "cat" });
		const toAnn = await send(dan.client, "for ann", { to: "ann" });
		const barrier = await send(bob.client, "barrier");
		for (const member of [ann, cat, dan, eve]) await reached(member.client, barrier);
		expect(seqsOf(cat.client)).toEqual([toCat, barrier]);
		expect(seqsOf(ann.client)).toEqual([toAnn, barrier]);
		// Nobody else hears them, on any object.
		expect(seqsOf(dan.client)).toEqual([barrier]);
		expect(seqsOf(eve.client)).toEqual([barrier]);
		expect(seqsOf(bob.client)).toEqual([]);
	});

	it("answers a resend through another object as a duplicate, delivered to nobody again", async () => {
		const room = randomRoom();
		const [ann, bob, cat] = (await members(room, ["ann", "bob", "cat"])) as [Member, Member, Member];
		const first = await ann.client.request("SendMessage", { message: "once", clientMessageId: "c-1" });
		// Ann's second tab lands on shard 1 and sends the same message again.
		const [annAgain] = (await members(room, ["ann"])) as [Member];
		expect(annAgain.shard).toBe(1);
		const again = await annAgain.client.request("SendMessage", { message: "once", clientMessageId: "c-1" });
		expect(again).toMatchObject({ event: "MessageAck", data: { ...first.data, duplicate: true } });
		const barrier = await send(bob.client, "barrier");
		await reached(cat.client, barrier);
		expect(valuesOf(cat.client)).toEqual(["once", "barrier"]);
		await reached(annAgain.client, barrier);
		expect(valuesOf(annAgain.client)).toEqual(["barrier"]);
	});
});
