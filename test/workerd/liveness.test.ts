import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { randomRoom, type TestClient } from "../support/client";
import { passTime, pingNow } from "./clock";
import { type ConnectedClient, connect, join, roomStub, usersOf } from "./connect";

/**
 * Lets `ms` pass in which only `alive` show a sign of life (a ping, which never wakes the room):
 * everyone else has been silent that long.
 */
async function silentFor(ms: number, alive: TestClient[] = []) {
	passTime(ms);
	for (const client of alive) await pingNow(client);
}

const alarmAt = (room: string) => runInDurableObject(roomStub(room), (_, state) => state.storage.getAlarm());

/** The backstop alarm's distance in this project: IDLE_SWEEP_SECONDS unset, so the default. */
const BACKSTOP_MS = 300_000;

/** The ghost was closed with 4000 and the observer heard its user leave with reason timeout. */
async function expectTimedOut(ghost: ConnectedClient, observer: ConnectedClient, userId: string) {
	expect((await ghost.waitForClose()).code).toBe(4000);
	const left = await observer.next("UserLeft");
	expect(left.data).toEqual({ user: expect.objectContaining({ userId, connections: 0 }), reason: "timeout" });
}

/** Alice and a pinger whose last frame is long ago, but whose ping the runtime answered just now. */
async function pingedButSilent(room: string) {
	const alice = await join(room, "alice");
	const pinger = await join(room, "pinger");
	await alice.next("UserJoined");
	await silentFor(120_000, [alice, pinger]);
	return { alice, pinger };
}

describe("idle timeout, found by the backstop alarm", () => {
	it("closes a connection silent for 60 s with 4000 and tells the others UserLeft with reason timeout", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const ghost = await join(room, "ghost");
		const lurker = await connect(room);
		await alice.next("UserJoined");
		await silentFor(61_000, [alice]);
		// After a hibernation: the room knows its connections from their attachments only.
		await evictDurableObject(roomStub(room));

		expect(await runDurableObjectAlarm(roomStub(room))).toBe(true);

		await expectTimedOut(ghost, alice, "ghost");
		expect((await lurker.waitForClose()).code).toBe(4000);
		// The active connection stays, and the room keeps its backstop while it is there.
		expect((await alice.request("SendMessage", { message: "still here" })).event).toBe("MessageAck");
		expect(await usersOf(room)).toEqual([expect.objectContaining({ userId: "alice" })]);
		expect(await alarmAt(room)).toBeGreaterThan(Date.now() + BACKSTOP_MS - 60_000);
		await alice.settle();
		expect(alice.received("UserLeft")).toHaveLength(1);
	});

	it("counts a ping answered by the runtime as activity", async () => {
		const room = randomRoom();
		const { alice, pinger } = await pingedButSilent(room);
		await runDurableObjectAlarm(roomStub(room));
		await alice.settle();
		expect(alice.received("UserLeft")).toHaveLength(0);
		expect((await pinger.request("SendMessage", { message: "alive" })).event).toBe("MessageAck");
	});

	it("leaves only the last tab's timeout as a UserLeft", async () => {
		const room = randomRoom();
		const watcher = await join(room, "watcher");
		const tab1 = await join(room, "dana");
		const tab2 = await join(room, "dana");
		await watcher.next("UserJoined");
		await silentFor(61_000, [watcher, tab2]);
		await runDurableObjectAlarm(roomStub(room));
		expect((await tab1.waitForClose()).code).toBe(4000);
		const update = await watcher.next("UserUpdated", (frame) => frame.data.user.connections === 1);
		expect(update.data.user.userId).toBe("dana");
		await watcher.settle();
		expect(watcher.received("UserLeft")).toHaveLength(0);
		expect((await tab2.request("SendMessage", { message: "tab 2 lives" })).event).toBe("MessageAck");
	});
});

describe("idle timeout, found without an alarm when the room wakes anyway", () => {
	it("reaps a silent ghost when another user sends a message after the timeout", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const ghost = await join(room, "ghost");
		await alice.next("UserJoined");
		const backstop = await alarmAt(room);
		await silentFor(61_000);

		// No alarm is run: alice's message wakes the room, and the room sweeps before handling it.
		const ack = await alice.request("SendMessage", { message: "anyone there?" });
		expect(ack.event).toBe("MessageAck");
		await expectTimedOut(ghost, alice, "ghost");
		// The ghost left before the message was delivered: it never received it.
		expect(ghost.received("Message")).toHaveLength(0);
		expect(await usersOf(room)).toEqual([expect.objectContaining({ userId: "alice" })]);
		// The backstop alarm is untouched: it did not run, and is still minutes away.
		expect(await alarmAt(room)).toBe(backstop);
		expect(backstop as number).toBeGreaterThan(Date.now() + BACKSTOP_MS - 60_000);
		await alice.settle();
		expect(alice.received("UserLeft")).toHaveLength(1);
	});

	it("reaps a silent ghost when someone connects, before the room counts its connections", async () => {
		const room = randomRoom();
		const watcher = await join(room, "watcher");
		const ghost = await join(room, "ghost");
		await watcher.next("UserJoined");
		await silentFor(61_000);

		const newcomer = await connect(room);
		expect((await ghost.waitForClose()).code).toBe(4000);
		expect((await watcher.waitForClose()).code).toBe(4000);
		expect(await usersOf(room)).toEqual([]);
		expect((await newcomer.register("newcomer")).event).toBe("Registered");
	});

	it("reaps a silent ghost when another connection closes", async () => {
		const room = randomRoom();
		const watcher = await join(room, "watcher");
		const ghost = await join(room, "ghost");
		const leaver = await join(room, "leaver");
		await watcher.next("UserJoined", (frame) => frame.data.user.userId === "leaver");
		await silentFor(61_000, [watcher, leaver]);

		leaver.close();
		expect((await ghost.waitForClose()).code).toBe(4000);
		const leaves = [await watcher.next("UserLeft"), await watcher.next("UserLeft")];
		expect(leaves.map((frame) => [frame.data.user.userId, frame.data.reason]).sort()).toEqual([
			["ghost", "timeout"],
			["leaver", "close"],
		]);
	});

	it("does not reap a connection whose pings the runtime answered", async () => {
		const room = randomRoom();
		const { alice, pinger } = await pingedButSilent(room);

		expect((await alice.request("SendMessage", { message: "hello pinger" })).event).toBe("MessageAck");
		expect((await pinger.next("Message")).data.message).toBe("hello pinger");
		await alice.settle();
		expect(alice.received("UserLeft")).toHaveLength(0);
	});
});

describe("the reaper's backstop alarm", () => {
	it("is set IDLE_SWEEP_SECONDS after the first connection, kept by later ones, and cleared when the last one closes", async () => {
		const room = randomRoom();
		const before = Date.now();
		const a = await connect(room);
		const at = await alarmAt(room);
		expect(at).not.toBeNull();
		expect(at as number).toBeGreaterThanOrEqual(before + BACKSTOP_MS);
		expect(at as number).toBeLessThanOrEqual(Date.now() + BACKSTOP_MS);
		// Later connections and traffic do not move it (no storage write per connect).
		const b = await join(room, "b");
		expect((await b.request("SendMessage", { message: "hi" })).event).toBe("MessageAck");
		expect(await alarmAt(room)).toBe(at);
		a.close();
		b.close();
		await vi.waitFor(async () => expect(await alarmAt(room)).toBeNull(), { timeout: 5000 });
	});

	it("is set again after it runs while connections remain, IDLE_SWEEP_SECONDS later", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const first = await alarmAt(room);
		const before = Date.now();
		expect(await runDurableObjectAlarm(roomStub(room))).toBe(true);
		const next = await alarmAt(room);
		expect(next).not.toBe(first);
		expect(next as number).toBeGreaterThanOrEqual(before + BACKSTOP_MS);
		expect((await alice.request("SendMessage", { message: "still here" })).event).toBe("MessageAck");
	});

	it("is set again by the next connection in a room that had emptied", async () => {
		const room = randomRoom();
		const first = await connect(room);
		first.close();
		await vi.waitFor(async () => expect(await alarmAt(room)).toBeNull(), { timeout: 5000 });
		const before = Date.now();
		await connect(room);
		expect(await alarmAt(room)).toBeGreaterThanOrEqual(before + BACKSTOP_MS);
	});

	it("does not come back in a room whose sockets all timed out", async () => {
		const room = randomRoom();
		const only = await join(room, "only");
		await silentFor(61_000);
		expect(await runDurableObjectAlarm(roomStub(room))).toBe(true);
		expect((await only.waitForClose()).code).toBe(4000);
		expect(await alarmAt(room)).toBeNull();
		expect(await usersOf(room)).toEqual([]);
	});
});
