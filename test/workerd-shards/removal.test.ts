/**
 * (1.4) Removing a user from a room spread over objects of 2: the user's connections on the root
 * and on every shard closed with 4003, every other member, wherever it is and in whichever
 * presence mode, hearing of it once and at once (leave grace is on here), with reason "removed";
 * the removal reaches the shards through the presence log, so evicting the objects right after it
 * loses nothing; a ban refuses a Register made on a shard (the root runs it).
 */
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { connect, usersOf } from "../workerd/connect";
import { type Member, members, objectStub } from "./rooms";

const removeAtRoot = (room: string, userId: string, banSeconds = 0) =>
	objectStub(room, 0).remove(userId, { banSeconds });

describe("removing a user from a room over several objects", () => {
	it("closes the user's connections on the root and on shards with 4003; the others hear it once", async () => {
		const room = randomRoom();
		const joined = (await members(room, ["ann", "bob", "cat", "bob", "bob"])) as Member[];
		const [ann, bobRoot, cat, bobShard1, bobShard2] = joined as [Member, Member, Member, Member, Member];
		expect([ann, bobRoot, cat, bobShard1, bobShard2].map((member) => member.shard)).toEqual([0, 0, 1, 1, 2]);
		for (const other of [ann, cat])
			await other.client.next("UserUpdated", (frame) => frame.data.user.connections === 3);
		const updatesBefore = [ann, cat].map((other) => other.client.received("UserUpdated").length);

		expect(await removeAtRoot(room, "bob")).toEqual({ ok: true, removed: 3 });
		for (const bob of [bobRoot, bobShard1, bobShard2]) {
			expect(await bob.client.waitForClose()).toEqual({ code: 4003, reason: "removed" });
		}
		for (const [index, other] of [ann, cat].entries()) {
			const left = await other.client.next("UserLeft");
			expect(left.data).toMatchObject({ user: { userId: "bob", connections: 0 }, reason: "removed" });
			await other.client.settle();
			// One leave, no lower count first.
			expect(other.client.received("UserLeft")).toHaveLength(1);
			expect(other.client.received("UserUpdated")).toHaveLength(updatesBefore[index] as number);
		}
		for (const bob of [bobRoot, bobShard1, bobShard2]) expect(bob.client.received("UserLeft")).toHaveLength(0);
		expect((await usersOf(room)).map((user) => user.userId)).toEqual(["ann", "cat"]);
		expect(await objectStub(room, 0).occupancy()).toMatchObject({ userCount: 2, connectionCount: 2 });
	});

	it("tells batched and count members on shards: a Presence left entry and a lower Occupancy", async () => {
		const room = randomRoom();
		const ann = await connect(room);
		await ann.register("ann");
		const bobRoot = await connect(room);
		await bobRoot.register("bob");
		const batched = await connect(room);
		expect((await batched.register("bat", { presence: "batched" })).event).toBe("Registered");
		const bobShard = await connect(room);
		await bobShard.register("bob");
		const counted = await connect(room);
		expect(counted.established.data.shard).toBe(2);
		expect((await counted.register("cnt", { presence: "count" })).event).toBe("Registered");
		await counted.next("Occupancy", (frame) => frame.data.connectionCount === 5);

		expect(await removeAtRoot(room, "bob")).toEqual({ ok: true, removed: 2 });
		for (const bob of [bobRoot, bobShard]) expect((await bob.waitForClose()).code).toBe(4003);
		const presence = await batched.next("Presence", (frame) => frame.data.left.length > 0);
		expect(presence.data.left).toEqual([{ user: expect.objectContaining({ userId: "bob" }), reason: "removed" }]);
		const occupancy = await counted.next("Occupancy", (frame) => frame.data.userCount === 3);
		expect(occupancy.data).toEqual({ userCount: 3, connectionCount: 3 });
		expect((await ann.next("UserLeft")).data.reason).toBe("removed");
	});

	it("reaches the shards when the objects are evicted right after the removal", async () => {
		const room = randomRoom();
		const [ann, , cat, bobShard1, bobShard2] = (await members(room, ["ann", "bob", "cat", "bob", "bob"])) as [
			Member,
			Member,
			Member,
			Member,
			Member,
		];
		await cat.client.next("UserUpdated", (frame) => frame.data.user.connections === 3);
		expect(await removeAtRoot(room, "bob", 60)).toEqual({ ok: true, removed: 3 });
		await evictDurableObject(objectStub(room, 0));
		await evictDurableObject(objectStub(room, 1));
		await evictDurableObject(objectStub(room, 2));
		// The next thing the root does (any entry point) sends what its shards are owed.
		expect((await usersOf(room)).map((user) => user.userId)).toEqual(["ann", "cat"]);
		for (const bob of [bobShard1, bobShard2]) expect((await bob.client.waitForClose()).code).toBe(4003);
		for (const other of [ann, cat]) {
			expect((await other.client.next("UserLeft")).data.reason).toBe("removed");
			await other.client.settle();
			expect(other.client.received("UserLeft")).toHaveLength(1);
		}
	});

	it("refuses a banned user's Register made on a shard with FORBIDDEN", async () => {
		const room = randomRoom();
		const [ann] = (await members(room, ["ann", "bob", "cat"])) as [Member];
		expect(await removeAtRoot(room, "bob", 60)).toEqual({ ok: true, removed: 1 });
		await ann.client.next("UserLeft");
		const comer = await connect(room);
		const again = await connect(room);
		const onShard = [comer, again].find((client) => (client.established.data.shard ?? 0) > 0);
		if (!onShard) throw new Error("no connection landed on a shard");
		expect(await onShard.register("bob")).toMatchObject({ event: "Error", data: { code: "FORBIDDEN" } });
		expect((await onShard.register("dan")).event).toBe("Registered");
		await ann.client.settle();
		expect(ann.client.received("UserJoined").map((frame) => frame.data.user.userId)).toEqual(["bob", "cat", "dan"]);
	});
});
