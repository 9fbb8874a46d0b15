/**
 * (1.3) Presence across a room's objects when they are evicted or restart: the root resends the
 * presence log from what each shard acknowledged (every row once: no flicker, no lost join or
 * leave), an evicted shard keeps where its rows stand (its sockets survive), and a restarted
 * shard's users are in their leave grace at the root: back within it, nobody sees them leave.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { encodeServerFrame, ServerEvents } from "../../src/protocol";
import { randomRoom } from "../support/client";
import { connect, usersOf } from "../workerd/connect";
import { barrier, eventsOf, graceEnds, graceStarted, restartShard } from "./presence-support";
import { type Member, members, objectStub, send } from "./rooms";

const FIVE = ["ann", "bob", "cat", "dan", "eve"];

function five(joined: Member[]) {
	return joined as [Member, Member, Member, Member, Member];
}

/** What each member heard after the joins (each heard the later joiners first). */
const sinceJoins = (member: Member) => eventsOf(member.client).slice(4 - FIVE.indexOf(member.userId));

/** Eve and cat update themselves `rounds` times, `between` run after each pair. */
async function updates(eve: Member, cat: Member, rounds: number, between: (round: number) => Promise<void>) {
	for (let round = 0; round < rounds; round++) {
		expect((await eve.client.request("UpdateUser", { meta: { round } })).event).toBe("Updated");
		expect((await cat.client.request("UpdateUser", { name: `Cat ${round}` })).event).toBe("Updated");
		await between(round);
	}
}

describe("presence when a room's objects are evicted or restart", () => {
	it("gives every shard each presence row once when the root is evicted mid-stream", async () => {
		const room = randomRoom();
		const joined = await members(room, FIVE);
		const [ann, bob, cat, dan, eve] = five(joined);
		await barrier(ann, [bob, cat, dan, eve]);
		await updates(eve, cat, 3, async () => {
			await evictDurableObject(objectStub(room, 0));
			await runDurableObjectAlarm(objectStub(room, 0));
		});
		// A row the root committed and never sent to a shard (its eviction cut the fan-out off).
		const annNow = (await usersOf(room)).find((user) => user.userId === "ann");
		if (!annNow) throw new Error("ann is present");
		const frame = encodeServerFrame(ServerEvents.UserUpdated, { user: { ...annNow, meta: { cut: true } } });
		await runInDurableObject(objectStub(room, 0), (_, state) => {
			const lastSeq = state.storage.sql.exec<{ seq: number }>("SELECT MAX(seq) AS seq FROM messages").one().seq;
			state.storage.sql.exec(
				"INSERT INTO presence_log (after_seq, events, user_count, connection_count) VALUES (?, ?, 5, 5)",
				lastSeq ?? 0,
				frame,
			);
		});
		await evictDurableObject(objectStub(room, 0));
		expect(await runDurableObjectAlarm(objectStub(room, 0))).toBe(true);
		await barrier(ann, [bob, cat, dan, eve]);
		const pair = ["UserUpdated eve", "UserUpdated cat"];
		const rounds = [...pair, ...pair, ...pair];
		expect(sinceJoins(ann)).toEqual(rounds);
		expect(sinceJoins(bob)).toEqual(rounds);
		expect(sinceJoins(dan)).toEqual([...rounds, "UserUpdated ann"]);
		expect(sinceJoins(cat)).toEqual([...rounds.filter((each) => each !== "UserUpdated cat"), "UserUpdated ann"]);
		expect(sinceJoins(eve)).toEqual([...rounds.filter((each) => each !== "UserUpdated eve"), "UserUpdated ann"]);
	});

	it("keeps delivering each row once when the shards are evicted mid-stream", async () => {
		const room = randomRoom();
		const joined = await members(room, FIVE);
		const [ann, bob, cat, dan, eve] = five(joined);
		await updates(eve, cat, 4, async (round) => {
			await evictDurableObject(objectStub(room, round % 2 === 0 ? 1 : 2));
			if (round === 2) await evictDurableObject(objectStub(room, 0));
		});
		await barrier(ann, [bob, cat, dan, eve]);
		const pair = ["UserUpdated eve", "UserUpdated cat"];
		const rounds = [...pair, ...pair, ...pair, ...pair];
		for (const member of [ann, bob, dan]) expect(sinceJoins(member), member.userId).toEqual(rounds);
		expect(sinceJoins(cat)).toEqual(rounds.filter((each) => each !== "UserUpdated cat"));
		expect(sinceJoins(eve)).toEqual(rounds.filter((each) => each !== "UserUpdated eve"));
	});

	it("shows nobody leaving when a shard restarts and its users come back within the grace", async () => {
		const room = randomRoom();
		const joined = await members(room, ["ann", "bob", "cat", "dan"]);
		const [ann, bob, cat, dan] = joined as [Member, Member, Member, Member];
		expect([cat.shard, dan.shard]).toEqual([1, 1]);
		await barrier(ann, [bob, cat, dan]);
		await restartShard(room, 1);
		for (const gone of [cat, dan]) expect((await gone.client.waitForClose()).code).toBe(1012);
		// The root learns of the restart from the shard's answer to its next call.
		await send(ann.client, "after the restart");
		await graceStarted(room, 2);
		const back: Member[] = [];
		for (const userId of ["cat", "dan"]) {
			const client = await connect(room);
			expect((await client.register(userId)).event).toBe("Registered");
			back.push({ userId, client, shard: client.established.data.shard ?? 0 });
		}
		expect(back.map((member) => member.shard)).toEqual([1, 1]);
		await graceEnds(room);
		await barrier(ann, [bob, ...back]);
		expect(eventsOf(ann.client)).toEqual(["UserJoined bob", "UserJoined cat", "UserJoined dan"]);
		expect(eventsOf(bob.client)).toEqual(["UserJoined cat", "UserJoined dan"]);
		for (const member of back) expect(eventsOf(member.client), member.userId).toEqual([]);
		expect((await usersOf(room)).map((user) => [user.userId, user.connections])).toEqual([
			["ann", 1],
			["bob", 1],
			["cat", 1],
			["dan", 1],
		]);
	});

	it("tells everyone a restarted shard's users left, reason close, when the grace ends without them", async () => {
		const room = randomRoom();
		const joined = await members(room, ["ann", "bob", "cat", "dan"]);
		const [ann, bob] = joined as [Member, Member, Member, Member];
		await barrier(ann, joined.slice(1));
		await restartShard(room, 1);
		await send(ann.client, "after the restart");
		await graceStarted(room, 2);
		await barrier(ann, [bob]);
		expect(eventsOf(bob.client)).toEqual(["UserJoined cat", "UserJoined dan"]);
		await graceEnds(room);
		await barrier(ann, [bob]);
		const left = ["UserLeft cat close", "UserLeft dan close"];
		expect(eventsOf(ann.client).slice(3).sort()).toEqual(left);
		expect(eventsOf(bob.client).slice(2).sort()).toEqual(left);
		expect((await usersOf(room)).map((user) => user.userId)).toEqual(["ann", "bob"]);
	});
});
