/**
 * (1.4) Delivery when the receiver fails or is slow: tries again on the growing schedule (time
 * moved with the injected clock, the alarm run as the runtime would), the EVENTS_BACKLOG bound
 * and `dropped`, storage kept until delivered, and a room's messages never waiting for it.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { retryDelay } from "../../src/room/events/schedule";
import type { TestClient } from "../support/client";
import { randomRoom } from "../support/client";
import { expectRoomLogs } from "../support/expected-logs";
import { passTime } from "../workerd/clock";
import { join, roomStub } from "../workerd/connect";
import { send } from "../workerd-shards/rooms";
import { delivered, describeEvent, queuedEvents, steer, webhookLog } from "./receiver";

/** Longer than any spread of the `failures`-th delay. */
const pastDelay = (failures: number) => retryDelay(failures, 1) + 1;

async function requestsMade(room: string, count: number) {
	await vi.waitFor(async () => expect((await webhookLog(room)).requests).toHaveLength(count), {
		timeout: 5000,
		interval: 20,
	});
}

/** Joins and leaves at once (Unregister), closing the socket: four events each time. */
async function comeAndGo(room: string, userId: string) {
	const client = await join(room, userId);
	await client.request("Unregister", {});
	client.close();
	await client.waitForClose();
}

function storedEvents(room: string): Promise<number> {
	return runInDurableObject(roomStub(room), (_, state: DurableObjectState) => {
		const tables = state.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'room_events'").toArray();
		if (tables.length === 0) return -1;
		return state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM room_events").one().n;
	});
}

describe("a failing webhook", () => {
	it("is tried again with growing delays, only when they are over, with the same events", async () => {
		const room = randomRoom();
		const failures = expectRoomLogs(
			"warn",
			room,
			/^webhook delivery of events 1–2 failed \(answered 503\); try \d in \d+ s$/,
		);
		await steer(room, { fail: 2, status: 503 });
		await join(room, "alice");
		await requestsMade(room, 1);
		// The queue has them at once: each sink has its own cursor.
		await vi.waitFor(() => expect(queuedEvents(room)).toHaveLength(2));
		passTime(pastDelay(1));
		await runDurableObjectAlarm(roomStub(room));
		await requestsMade(room, 2);
		// The second delay is longer than the first: not due yet.
		passTime(pastDelay(1));
		await runDurableObjectAlarm(roomStub(room));
		await new Promise((resolve) => setTimeout(resolve, 200));
		expect((await webhookLog(room)).requests).toHaveLength(2);
		passTime(pastDelay(2));
		await runDurableObjectAlarm(roomStub(room));
		await requestsMade(room, 3);
		const { requests } = await webhookLog(room);
		expect(requests.map((request) => request.status)).toEqual([503, 503, 204]);
		expect(failures).toHaveLength(2);
		const ids = requests.map((request) => request.body.events.map((event) => event.id));
		expect(ids[1]).toEqual(ids[0]);
		expect(ids[2]).toEqual(ids[0]);
		expect(new Set(requests.map((request) => request.webhookId)).size).toBe(3);
		expect((await delivered(room)).map(describeEvent)).toEqual(["room.occupied 1", "user.joined alice"]);
	});

	it("keeps at most EVENTS_BACKLOG (20) undelivered: the oldest are dropped and the next delivered says how many", async () => {
		const room = randomRoom();
		expectRoomLogs("warn", room, /^webhook delivery of .* failed \(answered 500\)/);
		await steer(room, { fail: 1000, status: 500 });
		for (let i = 0; i < 6; i++) await comeAndGo(room, `u${i}`);
		await requestsMade(room, 1);
		// The queue took all 24.
		await vi.waitFor(() => expect(queuedEvents(room)).toHaveLength(24));
		expect(queuedEvents(room).some((event) => event.dropped !== undefined)).toBe(false);
		await steer(room, { fail: 0 });
		passTime(pastDelay(1));
		await runDurableObjectAlarm(roomStub(room));
		await vi.waitFor(async () => expect(await delivered(room)).toHaveLength(20), { timeout: 5000, interval: 20 });
		const events = await delivered(room);
		expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 5));
		expect(events[0]?.dropped).toBe(4);
		expect(events.slice(1).some((event) => event.dropped !== undefined)).toBe(false);
		expect(events.map((event) => event.id)).toEqual(
			queuedEvents(room)
				.slice(4)
				.map((event) => event.id),
		);
	});

	it("keeps the storage of a room that is left empty until its events are delivered; then it starts again from seq 1", async () => {
		const room = randomRoom();
		expectRoomLogs("warn", room, /^webhook delivery of .* failed \(answered 500\)/);
		await steer(room, { fail: 1000, status: 500 });
		await comeAndGo(room, "alice");
		await requestsMade(room, 1);
		expect(await storedEvents(room)).toBe(4);
		expect(
			await runInDurableObject(roomStub(room), (_, state: DurableObjectState) => state.storage.getAlarm()),
		).not.toBeNull();
		await steer(room, { fail: 0 });
		passTime(pastDelay(1));
		await runDurableObjectAlarm(roomStub(room));
		await vi.waitFor(async () => expect(await delivered(room)).toHaveLength(4), { timeout: 5000, interval: 20 });
		// Nothing left to keep: the room's storage and its alarm are gone.
		await vi.waitFor(async () => expect(await storedEvents(room)).toBe(-1), { timeout: 5000, interval: 20 });
		expect(
			await runInDurableObject(roomStub(room), (_, state: DurableObjectState) => state.storage.getAlarm()),
		).toBeNull();
		await join(room, "bob");
		await vi.waitFor(async () => expect(await delivered(room)).toHaveLength(6), { timeout: 5000, interval: 20 });
		expect((await delivered(room)).map((event) => `${event.seq} ${describeEvent(event)}`)).toEqual([
			"1 room.occupied 1",
			"2 user.joined alice",
			"3 user.left alice unregister",
			"4 room.vacated",
			"1 room.occupied 1",
			"2 user.joined bob",
		]);
	});
});

describe("what counts as a delivery", () => {
	it("is a 2xx within 10 s: a redirect fails, and so does an answer after 10 s", { timeout: 30_000 }, async () => {
		const room = randomRoom();
		const failures = expectRoomLogs("warn", room, /^webhook delivery of .* failed/);
		await steer(room, { fail: 1, status: 302 });
		await join(room, "alice");
		await requestsMade(room, 1);
		await steer(room, { fail: 0, delayMs: 10_500 });
		passTime(pastDelay(1));
		await runDurableObjectAlarm(roomStub(room));
		await vi.waitFor(() => expect(failures).toHaveLength(2), { timeout: 15_000, interval: 100 });
		expect(failures[0]).toContain("(answered 302)");
		expect(failures[1]).toContain("(no answer within 10 s)");
		await steer(room, { fail: 0, delayMs: 0 });
		passTime(pastDelay(2));
		await runDurableObjectAlarm(roomStub(room));
		// The late answer's events are sent again: at least once, the same events.
		await vi.waitFor(async () => expect((await webhookLog(room)).requests).toHaveLength(3), { timeout: 15_000 });
		const { requests } = await webhookLog(room);
		expect(requests.map((request) => request.status)).toEqual([302, 204, 204]);
		expect(requests[2]?.body.events.map((event) => event.id)).toEqual(
			requests[1]?.body.events.map((event) => event.id),
		);
	});
});

describe("a slow webhook", () => {
	it("never slows the room's messages: every one is acknowledged while the first request waits", async () => {
		const room = randomRoom();
		await steer(room, { fail: 0, delayMs: 2000 });
		const alice: TestClient = await join(room, "alice");
		const bob = await join(room, "bob");
		for (let i = 0; i < 20; i++) await send(alice, `m${i}`);
		await bob.waitFor((frame) => frame.event === "Message" && (frame.data as { seq: number }).seq === 20, 5000, "m19");
		// The receiver has answered nothing yet: it holds the room's first request.
		expect((await webhookLog(room)).requests).toHaveLength(0);
		await vi.waitFor(async () => expect((await webhookLog(room)).requests.length).toBeGreaterThan(0), {
			timeout: 5000,
			interval: 50,
		});
		expect((await webhookLog(room)).maxInFlight).toBe(1);
	});
});
