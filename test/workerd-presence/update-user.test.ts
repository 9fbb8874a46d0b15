/**
 * UpdateUser: the cheap way to change presence. The reply is `Updated` with self; the others hear
 * only real changes, each in their mode; no roster and no history travel.
 */
import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { connect, join, usersOf } from "../workerd/connect";

async function aliceWatchedByBob(room: string) {
	const alice = await join(room, "alice", { name: "Alice", meta: { status: "here" } });
	const bob = await join(room, "bob");
	await alice.next("UserJoined");
	return { alice, bob };
}

describe("UpdateUser", () => {
	it("replies Updated with self, and the others hear UserUpdated", async () => {
		const room = randomRoom();
		const { alice, bob } = await aliceWatchedByBob(room);
		const reply = await alice.request("UpdateUser", { meta: { status: "typing" } });
		expect(reply.event === "Updated" && reply.data.self).toMatchObject({
			userId: "alice",
			name: "Alice",
			meta: { status: "typing" },
			connections: 1,
			connectionId: alice.established.data.connectionId,
		});
		expect(JSON.stringify(reply)).not.toMatch(/"users"|"history"/);
		const update = await bob.next("UserUpdated");
		expect(update.data.user).toMatchObject({ userId: "alice", name: "Alice", meta: { status: "typing" } });
		await alice.settle();
		expect(alice.received("UserUpdated")).toEqual([]);
	});

	it("changes only the fields given, for every tab of the user", async () => {
		const room = randomRoom();
		const { alice, bob } = await aliceWatchedByBob(room);
		const tab2 = await join(room, "alice", { name: "Alice", meta: { status: "here" } });
		await bob.next("UserUpdated");
		await alice.request("UpdateUser", { name: "Alice L." });
		const update = await bob.next("UserUpdated");
		expect(update.data.user).toMatchObject({ name: "Alice L.", meta: { status: "here" }, connections: 2 });
		expect((await tab2.next("UserUpdated")).data.user.name).toBe("Alice L.");
		// The other tab closing leaves the new name in place: every tab took it.
		tab2.close();
		await tab2.waitForClose();
		expect((await usersOf(room)).find((u) => u.userId === "alice")?.name).toBe("Alice L.");
	});

	it("keeps the name the user shows when only meta changes, whatever name each tab registered with", async () => {
		const room = randomRoom();
		const { alice, bob } = await aliceWatchedByBob(room);
		await join(room, "alice", { name: "Alice (phone)" });
		await alice.request("Register", { userId: "alice", name: "Alice (laptop)" });
		const shown = (await bob.next("UserUpdated", (f) => f.data.user.name === "Alice (laptop)")).data.user;
		const reply = await alice.request("UpdateUser", { meta: { status: "away" } });
		expect(reply.event === "Updated" && reply.data.self.name).toBe("Alice (laptop)");
		const update = await bob.next("UserUpdated", (f) => f.data.user.meta.status === "away");
		expect(update.data.user).toEqual({ ...shown, meta: { status: "away" } });
		expect((await usersOf(room)).find((u) => u.userId === "alice")).toEqual(update.data.user);
	});

	it("tells nobody when nothing changed", async () => {
		const room = randomRoom();
		const { alice, bob } = await aliceWatchedByBob(room);
		expect((await alice.request("UpdateUser", { meta: { status: "here" } })).event).toBe("Updated");
		await bob.settle();
		expect(bob.pending()).toEqual([]);
	});

	it("is coalesced for batched connections: one frame, the latest state", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const watcher = await join(room, "watcher", { presence: "batched" });
		for (let x = 1; x <= 10; x++) await alice.request("UpdateUser", { meta: { x } });
		const frame = await watcher.next("Presence", (f) => f.data.updated.some((u) => u.meta.x === 10));
		expect(frame.data.updated).toHaveLength(1);
		await watcher.settle();
		const updates = watcher.received("Presence").flatMap((f) => f.data.updated);
		expect(updates.length).toBeLessThan(10);
	});

	it.each([
		["nothing to update", {}],
		["an empty name", { name: "" }],
		["meta that is not an object", { meta: [1] }],
		["meta over 1 KiB", { meta: { blob: "x".repeat(1100) } }],
		["an unknown field", { status: "away" }],
	])("refuses %s with BAD_REQUEST, and nobody hears anything", async (_, requestData) => {
		const room = randomRoom();
		const { alice, bob } = await aliceWatchedByBob(room);
		expect(await alice.request("UpdateUser", requestData)).toMatchObject({
			event: "Error",
			data: { code: "BAD_REQUEST" },
		});
		await bob.settle();
		expect(bob.pending()).toEqual([]);
		expect((await usersOf(room)).find((u) => u.userId === "alice")?.meta).toEqual({ status: "here" });
	});

	it("refuses a connection that is not registered with NOT_REGISTERED", async () => {
		const client = await connect(randomRoom());
		expect(await client.request("UpdateUser", { name: "x" })).toMatchObject({
			event: "Error",
			data: { code: "NOT_REGISTERED" },
		});
	});
});
