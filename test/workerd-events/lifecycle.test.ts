/**
 * (1.4) Room events as a backend receives them, by webhook and by queue: a room's life in order,
 * returns within the grace unseen, one request at a time per room, several events per request
 * when they wait, and in a room over several objects (workerd-events-shards) exactly the events of one.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { randomRoom, type TestClient } from "../support/client";
import { passTime } from "../workerd/clock";
import { join, roomStub } from "../workerd/connect";
import { members, send } from "../workerd-shards/rooms";
import { delivered, describeEvent, expectDelivered, expected, steer, webhookLog } from "./receiver";

const GRACE_MS = 10_000;

/** Closes a member's socket and waits until the room's root holds the user in leave grace. */
async function closeInGrace(room: string, client: TestClient, userId: string) {
	client.close();
	await vi.waitFor(
		() =>
			runInDurableObject(roomStub(room), (_, state: DurableObjectState) => {
				const sql = "SELECT COUNT(*) AS n FROM presence WHERE user_id = ? AND grace_until IS NOT NULL";
				expect(state.storage.sql.exec<{ n: number }>(sql, userId).one().n).toBeGreaterThan(0);
			}),
		{ timeout: 5000, interval: 20 },
	);
}

async function graceEnds(room: string) {
	passTime(GRACE_MS);
	await runDurableObjectAlarm(roomStub(room));
}

describe("room events", () => {
	it("tell a room's life in order: occupied before the first join, vacated after the last leave", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const bob = await join(room, "bob");
		await send(alice, "hello");
		await bob.request("Unregister", {});
		await closeInGrace(room, alice, "alice");
		await graceEnds(room);
		const events = await expectDelivered(room, [
			"room.occupied 1",
			"user.joined alice",
			"user.joined bob",
			'message.created "hello"',
			"user.left bob unregister",
			"user.left alice close",
			"room.vacated",
		]);
		const [occupied, joined] = events;
		expect(occupied).toMatchObject({ type: "room.occupied", data: { userCount: 1 } });
		expect(joined).toMatchObject({ type: "user.joined", data: { user: { userId: "alice", connections: 1 } } });
		expect(events.at(-1)).toMatchObject({ type: "room.vacated", data: {} });
		for (const event of events) expect(Object.keys(event)).toEqual(["id", "type", "room", "seq", "at", "data"]);
	});

	it("say nothing of a second connection, nor of a return within the grace", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const second = await join(room, "alice");
		await closeInGrace(room, second, "alice");
		alice.close();
		passTime(GRACE_MS - 1000);
		await join(room, "alice");
		await graceEnds(room);
		await expectDelivered(room, ["room.occupied 1", "user.joined alice"]);
	});

	it("are the events of one object in a room over several (objects of 2 in workerd-events-shards)", async () => {
		const room = randomRoom();
		const joined = await members(room, ["u1", "u2", "u3", "u4", "u5"]);
		await send((joined[4] as (typeof joined)[number]).client, "from the last object");
		await closeInGrace(room, (joined[3] as (typeof joined)[number]).client, "u4");
		await (joined[1] as (typeof joined)[number]).client.request("Unregister", {});
		await graceEnds(room);
		await expectDelivered(room, [
			"room.occupied 1",
			"user.joined u1",
			"user.joined u2",
			"user.joined u3",
			"user.joined u4",
			"user.joined u5",
			'message.created "from the last object"',
			"user.left u2 unregister",
			"user.left u4 close",
		]);
	});

	it("reach the webhook one request at a time, several events a request when they wait, in seq order", async () => {
		const room = randomRoom();
		await steer(room, { fail: 0, delayMs: 150 });
		const users = ["a", "b", "c", "d"];
		const clients = [];
		for (const user of users) clients.push(await join(room, user));
		for (const client of clients) await client.request("Unregister", {});
		const want = [
			"room.occupied 1",
			...users.map((user) => `user.joined ${user}`),
			...users.map((user) => `user.left ${user} unregister`),
			"room.vacated",
		];
		await expectDelivered(room, want);
		const log = await webhookLog(room);
		expect(log.maxInFlight).toBe(1);
		expect(log.requests.length).toBeLessThan(want.length);
		expect(Math.max(...log.requests.map((request) => request.body.events.length))).toBeGreaterThan(1);
	});

	it("are written only while a sink is configured, and only by the room they are about", async () => {
		const [one, two] = [randomRoom(), randomRoom()];
		await join(one, "alice");
		await join(two, "bob");
		await expectDelivered(one, ["room.occupied 1", "user.joined alice"]);
		await expectDelivered(two, ["room.occupied 1", "user.joined bob"]);
		await vi.waitFor(async () =>
			expect((await delivered(one)).map(describeEvent)).toEqual(expected(["room.occupied 1", "user.joined alice"])),
		);
	});
});
