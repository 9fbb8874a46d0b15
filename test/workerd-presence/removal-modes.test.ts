/**
 * (1.4) A removal with leave grace on (10 s here): the others hear it at once, in every presence
 * mode, and with reason "removed": `events` a `UserLeft`, `batched` a `Presence` left entry,
 * `count` a lower `Occupancy`; the clock never moves, so no grace ended to tell them. Also a user
 * whose tab is in its leave grace: the closed tab's place goes with the removal, nothing later.
 */
import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { passTime } from "../workerd/clock";
import { join, roomStub, usersOf } from "../workerd/connect";

describe("removal with leave grace on", () => {
	it("tells events, batched and count connections at once, reason removed", async () => {
		const room = randomRoom();
		const events = await join(room, "e");
		const batched = await join(room, "b", { presence: "batched" });
		const counted = await join(room, "c", { presence: "count" });
		const bobTab1 = await join(room, "bob");
		const bobTab2 = await join(room, "bob");
		await counted.next("Occupancy", (frame) => frame.data.connectionCount === 5);
		await batched.next("Presence", (frame) => frame.data.joined.some((user) => user.userId === "bob"));
		await events.next("UserUpdated", (frame) => frame.data.user.connections === 2);

		expect(await roomStub(room).remove("bob")).toEqual({ ok: true, removed: 2 });
		for (const tab of [bobTab1, bobTab2]) expect((await tab.waitForClose()).code).toBe(4003);
		const left = await events.next("UserLeft");
		expect(left.data).toMatchObject({ user: { userId: "bob", connections: 0 }, reason: "removed" });
		const presence = await batched.next("Presence", (frame) => frame.data.left.length > 0);
		expect(presence.data.left).toEqual([{ user: expect.objectContaining({ userId: "bob" }), reason: "removed" }]);
		expect(presence.data.userCount).toBe(3);
		const occupancy = await counted.next("Occupancy", (frame) => frame.data.userCount === 3);
		expect(occupancy.data).toEqual({ userCount: 3, connectionCount: 3 });
		expect((await usersOf(room)).map((user) => user.userId)).toEqual(["e", "b", "c"]);
		// Once each: nothing more of bob when the grace he would have had is over.
		passTime(11_000);
		await events.settle();
		expect(events.received("UserLeft")).toHaveLength(1);
		expect(batched.received("Presence").filter((frame) => frame.data.left.length > 0)).toHaveLength(1);
	});

	it("takes a tab that is in its leave grace with the rest: one leave, at once", async () => {
		const room = randomRoom();
		const watcher = await join(room, "watcher");
		const closing = await join(room, "bob");
		const staying = await join(room, "bob");
		closing.close();
		await closing.waitForClose().catch(() => undefined);
		await watcher.settle();
		// Still two connections: one of them in its grace.
		expect((await usersOf(room)).find((user) => user.userId === "bob")?.connections).toBe(2);
		expect(await roomStub(room).remove("bob")).toEqual({ ok: true, removed: 1 });
		expect((await staying.waitForClose()).code).toBe(4003);
		expect((await watcher.next("UserLeft")).data).toMatchObject({ reason: "removed" });
		passTime(11_000);
		await watcher.settle();
		expect(watcher.received("UserLeft")).toHaveLength(1);
		expect((await usersOf(room)).map((user) => user.userId)).toEqual(["watcher"]);
	});
});
