/**
 * A connection that registers while presence is changing ends with the room's roster and counts:
 * a batched one that registered inside a window, a count one that registered while a user came
 * and went within a second. Each case holds its changes inside one window or one second.
 */
import { describe, expect, it } from "vitest";
import type { OccupancyData, User } from "../../src/protocol";
import { randomRoom } from "../support/client";
import { type ConnectedClient, join, usersOf } from "../workerd/connect";

/** A batched connection's roster: its Registered, then every Presence frame applied in order. */
function batchedRoster(client: ConnectedClient): Map<string, User> {
	const roster = new Map<string, User>();
	for (const user of client.received("Registered")[0]?.data.users ?? []) roster.set(user.userId, user);
	for (const { data } of client.received("Presence")) {
		for (const user of [...data.joined, ...data.updated]) roster.set(user.userId, user);
		for (const { user } of data.left) roster.delete(user.userId);
	}
	return roster;
}

/** The counts a count connection shows: its Registered's, then each Occupancy's. */
function shownCounts(client: ConnectedClient): Partial<OccupancyData> {
	const occupancies = client.received("Occupancy");
	const last = occupancies[occupancies.length - 1];
	return last ? last.data : { userCount: client.received("Registered")[0]?.data.userCount };
}

async function roomCounts(room: string): Promise<OccupancyData> {
	const users = await usersOf(room);
	return { userCount: users.length, connectionCount: users.reduce((sum, user) => sum + user.connections, 0) };
}

describe("a batched connection that registers inside a presence window", () => {
	it("does not keep a user who joined and left in that window", async () => {
		const room = randomRoom();
		const watcher = await join(room, "watcher", { presence: "batched" });
		const flash = await join(room, "flash");
		const late = await join(room, "late", { presence: "batched" });
		expect(late.received("Registered")[0]?.data.users.map((user) => user.userId)).toContain("flash");
		await flash.request("Unregister");
		const users = await usersOf(room);
		await expect.poll(() => [...batchedRoster(late).values()]).toEqual(users);
		await expect.poll(() => [...batchedRoster(watcher).values()]).toEqual(users);
		expect(batchedRoster(late).has("flash")).toBe(false);
	});

	it("does not keep a meta that was changed and changed back in that window", async () => {
		const room = randomRoom();
		const ann = await join(room, "ann", { meta: { status: "here" } });
		const watcher = await join(room, "watcher", { presence: "batched" });
		await watcher.settle();
		await ann.request("UpdateUser", { meta: { status: "away" } });
		const late = await join(room, "late", { presence: "batched" });
		await ann.request("UpdateUser", { meta: { status: "here" } });
		expect(late.received("Registered")[0]?.data.users.find((user) => user.userId === "ann")?.meta).toEqual({
			status: "away",
		});
		const users = await usersOf(room);
		await expect.poll(() => batchedRoster(late).get("ann")?.meta).toEqual({ status: "here" });
		expect([...batchedRoster(late).values()]).toEqual(users);
		expect([...batchedRoster(watcher).values()]).toEqual(users);
	});
});

describe("a count connection that registers while a user comes and goes within a second", () => {
	it("is told the room's counts, connection count included, once the second is over", async () => {
		const room = randomRoom();
		const watcher = await join(room, "watcher", { presence: "count" });
		await watcher.next("Occupancy");
		const flash = await join(room, "flash");
		await watcher.next("Occupancy", (frame) => frame.data.userCount === 2);
		const late = await join(room, "late", { presence: "count" });
		expect(late.received("Registered")[0]?.data.userCount).toBe(3);
		await flash.request("Unregister");
		const counts = await roomCounts(room);
		expect(counts).toEqual({ userCount: 2, connectionCount: 2 });
		await late.next("Occupancy", undefined, 3000);
		expect(shownCounts(late)).toEqual(counts);
		await expect.poll(() => shownCounts(watcher), { timeout: 3000 }).toEqual(counts);
	});

	it("hears nothing more when the counts it was told are the room's", async () => {
		const room = randomRoom();
		const watcher = await join(room, "watcher", { presence: "count" });
		const counts = await watcher.next("Occupancy");
		expect(counts.data).toEqual({ userCount: 1, connectionCount: 1 });
		const quiet = await join(room, "quiet", { presence: "count" });
		const other = await join(room, "other");
		await other.request("UpdateUser", { meta: { n: 1 } });
		await watcher.next("Occupancy", (frame) => frame.data.userCount === 3, 3000);
		await quiet.next("Occupancy", (frame) => frame.data.userCount === 3, 3000);
		await other.request("UpdateUser", { meta: { n: 2 } });
		await watcher.settle();
		await quiet.settle();
		expect(watcher.received("Occupancy").length).toBe(2);
		expect(quiet.received("Occupancy").length).toBe(1);
	});
});
