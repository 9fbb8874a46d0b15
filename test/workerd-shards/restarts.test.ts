/**
 * (1.3) A room's objects evicted in the middle of a stream (their sockets survive, their memory
 * does not): the root resends from what each shard acknowledged, woken by its alarm when nothing
 * else wakes it, and a shard drops what it already delivered. Zero lost, zero twice, zero out of
 * order, at every receiver.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { type Member, members, objectStub, reached, send, seqsOf } from "./rooms";

const FIVE = ["ann", "bob", "cat", "dan", "eve"];

function fiveMembers(joined: Member[]) {
	return joined as [Member, Member, Member, Member, Member];
}

/** Every member but the sender got exactly `seqs` (in this order), once `last` reached them. */
async function everyoneGot(joined: Member[], expected: (member: Member) => number[]) {
	for (const member of joined) {
		const seqs = expected(member);
		const last = seqs[seqs.length - 1];
		if (last !== undefined) await reached(member.client, last);
		expect(seqsOf(member.client), member.userId).toEqual(seqs);
	}
}

describe("a room's objects evicted mid-stream", () => {
	it("delivers a message the root committed but never sent to its shards, once its alarm runs", async () => {
		const room = randomRoom();
		const [ann, bob, cat, dan, eve] = fiveMembers(await members(room, FIVE));
		const first = await send(ann.client, "sent");
		await everyoneGot([cat, dan, eve], () => [first]);
		// The commit of a message whose fan-out the root's eviction cut off: stored, sent to no shard.
		await runInDurableObject(objectStub(room, 0), (_, state) => {
			state.storage.sql.exec(
				`INSERT INTO messages (seq, id, from_user, from_name, body, sent_at, to_user, from_connection)
				 VALUES (?, ?, 'ann', 'ann', '"unsent"', ?, NULL, ?)`,
				first + 1,
				crypto.randomUUID(),
				Date.now(),
				ann.client.established.data.connectionId,
			);
		});
		await evictDurableObject(objectStub(room, 0));
		expect(await runDurableObjectAlarm(objectStub(room, 0))).toBe(true);
		await everyoneGot([cat, dan, eve], () => [first, first + 1]);
		// The stream goes on from there, from any object.
		const next = await send(eve.client, "after");
		expect(next).toBe(first + 2);
		// The root's own members heard nothing of the cut-off message (it never reached their sockets either).
		const heard: Record<string, number[]> = { ann: [next], bob: [first, next] };
		await everyoneGot([ann, bob, cat, dan], (member) => heard[member.userId] ?? [first, first + 1, next]);
	});

	it("loses and repeats nothing when the root is evicted between messages", async () => {
		const room = randomRoom();
		const joined = await members(room, FIVE);
		const [ann, , cat] = fiveMembers(joined);
		const sent: { seq: number; from: string }[] = [];
		for (let round = 0; round < 3; round++) {
			sent.push({ seq: await send(ann.client, `a${round}`), from: "ann" });
			sent.push({ seq: await send(cat.client, `c${round}`), from: "cat" });
			await evictDurableObject(objectStub(room, 0));
			await runDurableObjectAlarm(objectStub(room, 0));
		}
		await everyoneGot(joined, (member) => sent.filter((each) => each.from !== member.userId).map((each) => each.seq));
	});

	it("loses and repeats nothing when a shard is evicted mid-stream, its members still sending", async () => {
		const room = randomRoom();
		const joined = await members(room, FIVE);
		const [ann, , cat, dan, eve] = fiveMembers(joined);
		const sent: { seq: number; from: string }[] = [];
		for (let round = 0; round < 4; round++) {
			for (const sender of [ann, cat, eve])
				sent.push({ seq: await send(sender.client, `${sender.userId}${round}`), from: sender.userId });
			await evictDurableObject(objectStub(room, round % 2 === 0 ? 1 : 2));
			if (round === 2) await evictDurableObject(objectStub(room, 0));
		}
		sent.push({ seq: await send(dan.client, "last"), from: "dan" });
		await everyoneGot(joined, (member) => sent.filter((each) => each.from !== member.userId).map((each) => each.seq));
	});
});
