/**
 * Leave grace (LEAVE_GRACE_SECONDS 10 here): a closed connection's user stays present for the
 * grace; a connection of theirs that registers within it takes the closed one's place unseen.
 * Time is moved with the injected clock, never waited for.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { clock } from "../../src/clock";
import { CloseCodes, HEARTBEAT } from "../../src/protocol";
import { migrate } from "../../src/room/migrations";
import { DEFAULT_SETTINGS } from "../../src/settings";
import { randomRoom, type TestClient } from "../support/client";
import { expectTooSlowLogs } from "../support/expected-logs";
import { reportBacklog } from "../workerd/backlog";
import { passTime, pingNow } from "../workerd/clock";
import { connect, join, roomStub, roomUrl, usersOf } from "../workerd/connect";

const GRACE_MS = 10_000;

/** Presence frames a client got and has not taken: what it was told about others. */
const presenceHeard = (client: TestClient) =>
	client.pending().filter((f) => ["UserJoined", "UserUpdated", "UserLeft", "Presence"].includes(f.event));

async function nothingHeard(...clients: TestClient[]) {
	for (const client of clients) {
		await client.settle();
		expect(presenceHeard(client)).toEqual([]);
	}
}

/** Lets the grace (or `ms`) pass and runs the room's alarm, as the runtime would at the deadline. */
async function graceEnds(room: string, ms = GRACE_MS) {
	passTime(ms);
	await runDurableObjectAlarm(roomStub(room));
}

/** A backend, as the Worker passes it to the room's RPC methods for the server routes. */
const BACKEND = { userId: "backend", name: "Backend" };

async function aliceAndBob(room: string) {
	const alice = await join(room, "alice");
	const bob = await join(room, "bob", { meta: { status: "here" } });
	await alice.next("UserJoined");
	return { alice, bob };
}

describe("leave grace", () => {
	it("announces ConnectionEstablished.leaveGraceMs", async () => {
		expect((await connect(randomRoom())).established.data.leaveGraceMs).toBe(GRACE_MS);
	});

	it("keeps a closed connection's user present, with the same count, and says nothing during the grace", async () => {
		const room = randomRoom();
		const { alice, bob } = await aliceAndBob(room);
		bob.close();
		await bob.waitForClose();
		passTime(GRACE_MS - 1000);
		await nothingHeard(alice);
		const users = await usersOf(room);
		expect(users.map((u) => [u.userId, u.connections])).toEqual([
			["alice", 1],
			["bob", 1],
		]);
	});

	it("lets a new connection of the user take the closed one's place: nobody hears a thing", async () => {
		const room = randomRoom();
		const { alice, bob } = await aliceAndBob(room);
		const joinedAt = (await usersOf(room)).find((u) => u.userId === "bob")?.joinedAt;
		bob.close();
		passTime(GRACE_MS - 1000);
		const back = await join(room, "bob", { meta: { status: "here" } });
		const registered = back.received("Registered")[0];
		expect(registered?.data.self).toMatchObject({ userId: "bob", connections: 1, joinedAt });
		await graceEnds(room, 2 * GRACE_MS);
		await nothingHeard(alice);
		expect((await usersOf(room)).map((u) => [u.userId, u.connections, u.joinedAt])).toEqual([
			["alice", 1, expect.any(Number)],
			["bob", 1, joinedAt],
		]);
	});

	it("tells only what changed when the returning connection brings another name or meta", async () => {
		const room = randomRoom();
		const { alice, bob } = await aliceAndBob(room);
		bob.close();
		await join(room, "bob", { meta: { status: "away" } });
		const update = await alice.next("UserUpdated");
		expect(update.data.user).toMatchObject({ userId: "bob", connections: 1, meta: { status: "away" } });
		await nothingHeard(alice);
	});

	it("announces the leave with reason close when the grace ends without a return", async () => {
		const room = randomRoom();
		const { alice, bob } = await aliceAndBob(room);
		bob.close();
		await bob.waitForClose();
		await graceEnds(room);
		const left = await alice.next("UserLeft");
		expect(left.data).toEqual({ user: expect.objectContaining({ userId: "bob", connections: 0 }), reason: "close" });
		expect((await usersOf(room)).map((u) => u.userId)).toEqual(["alice"]);
	});

	it("announces a timed-out connection's leave with reason timeout, after the grace", async () => {
		const room = randomRoom();
		const { alice, bob } = await aliceAndBob(room);
		passTime(61_000);
		await pingNow(alice);
		await runDurableObjectAlarm(roomStub(room));
		expect((await bob.waitForClose()).code).toBe(4000);
		await nothingHeard(alice);
		await graceEnds(room);
		expect((await alice.next("UserLeft")).data.reason).toBe("timeout");
	});

	it("counts a user's second tab down only when its grace ends", async () => {
		const room = randomRoom();
		const { alice } = await aliceAndBob(room);
		const tab2 = await join(room, "bob");
		expect((await alice.next("UserUpdated")).data.user.connections).toBe(2);
		tab2.close();
		await tab2.waitForClose();
		await nothingHeard(alice);
		await graceEnds(room);
		const update = await alice.next("UserUpdated");
		expect(update.data.user).toMatchObject({ userId: "bob", connections: 1 });
		expect(alice.received("UserLeft")).toEqual([]);
	});

	it("leaves at once on Unregister, grace or not", async () => {
		const room = randomRoom();
		const { alice, bob } = await aliceAndBob(room);
		bob.close();
		const back = await join(room, "bob", { meta: { status: "here" } });
		expect((await back.request("Unregister")).event).toBe("Unregistered");
		const left = await alice.next("UserLeft");
		expect(left.data.reason).toBe("unregister");
		await graceEnds(room, 2 * GRACE_MS);
		await nothingHeard(alice);
	});

	it("holds across hibernation: the deadline is in storage and the alarm ends it", async () => {
		const room = randomRoom();
		const { alice, bob } = await aliceAndBob(room);
		bob.close();
		await bob.waitForClose();
		await evictDurableObject(roomStub(room));
		const alarmAt = await runInDurableObject(roomStub(room), (_, state) => state.storage.getAlarm());
		expect(alarmAt).toBeLessThanOrEqual(Date.now() + GRACE_MS);
		await graceEnds(room);
		expect((await alice.next("UserLeft")).data.user.userId).toBe("bob");
	});
});

describe("a restart that dropped every socket", () => {
	/** A room whose durable roster says carol (two tabs) and dave were present, with no socket left. */
	async function roomAfterRestart() {
		const room = randomRoom();
		const joinedAt = Date.now() - 60_000;
		await runInDurableObject(roomStub(room), (_, state) => {
			migrate(state.storage);
			const row = (connectionId: string, userId: string) =>
				state.storage.sql.exec(
					"INSERT INTO presence (connection_id, user_id, name, meta, registered_at, updated_at) VALUES (?, ?, ?, '{}', ?, ?)",
					connectionId,
					userId,
					userId,
					joinedAt,
					joinedAt,
				);
			row("c-carol-1", "carol");
			row("c-carol-2", "carol");
			row("c-dave", "dave");
		});
		await evictDurableObject(roomStub(room));
		return { room, joinedAt };
	}

	it("knows who was present, and puts them in grace from the room's first run", async () => {
		const { room, joinedAt } = await roomAfterRestart();
		const alice = await join(room, "alice");
		const registered = alice.received("Registered")[0];
		expect(registered?.data.users.map((u) => [u.userId, u.connections, u.joinedAt])).toEqual([
			["carol", 2, joinedAt],
			["dave", 1, joinedAt],
			["alice", 1, expect.any(Number)],
		]);
		expect(registered?.data.userCount).toBe(3);
		await graceEnds(room);
		const leaves = [await alice.next("UserLeft"), await alice.next("UserLeft")];
		expect(leaves.map((f) => [f.data.user.userId, f.data.reason]).sort()).toEqual([
			["carol", "close"],
			["dave", "close"],
		]);
	});

	it("shows nobody leaving and coming back when they reconnect within the grace", async () => {
		const { room } = await roomAfterRestart();
		const alice = await join(room, "alice");
		const tabs = [await join(room, "carol"), await join(room, "carol"), await join(room, "dave")];
		for (const tab of tabs) expect(tab.received("Registered")[0]?.data.userCount).toBe(3);
		await graceEnds(room, 2 * GRACE_MS);
		await nothingHeard(alice);
		expect((await usersOf(room)).map((u) => [u.userId, u.connections])).toEqual([
			["carol", 2],
			["dave", 1],
			["alice", 1],
		]);
	});
});

describe("a grace begun or ended outside a client's frame", () => {
	it("ends before a server signal or message when it is over: `to` the user is refused, the others hear the leave", async () => {
		const room = randomRoom();
		const { alice, bob } = await aliceAndBob(room);
		bob.close();
		await bob.waitForClose();
		passTime(GRACE_MS);
		// No alarm has run: the room learns the grace is over from the backend's request itself.
		expect(await roomStub(room).signal(JSON.stringify({ typing: true }), BACKEND, "bob")).toMatchObject({
			ok: false,
			code: "USER_NOT_FOUND",
		});
		expect((await alice.next("UserLeft")).data).toMatchObject({ user: { userId: "bob" }, reason: "close" });
		expect(await roomStub(room).publish(JSON.stringify("hi"), BACKEND, "bob")).toMatchObject({
			ok: false,
			code: "USER_NOT_FOUND",
		});
		expect(alice.received("Signal")).toEqual([]);
		expect(alice.received("Message")).toEqual([]);
	});

	it("puts a grace that a server publish's fan-out began on the alarm before it answers", async () => {
		const room = randomRoom();
		const { alice, bob } = await aliceAndBob(room);
		await reportBacklog(room, bob, DEFAULT_SETTINGS.maxBufferedBytes + 1);
		const closing = expectTooSlowLogs(room, "bob");
		// In one turn of the room: the peer's reply to the close (an entry point that plans too) cannot come first.
		const alarm = await runInDurableObject(roomStub(room), async (instance, state) => {
			expect(await instance.publish(JSON.stringify("hello"), BACKEND)).toMatchObject({ ok: true });
			return state.storage.getAlarm();
		});
		// Without it the alarm stays at the idle sweep's backstop, minutes after the grace.
		expect(alarm).toBeLessThanOrEqual(clock.now() + GRACE_MS);
		expect((await bob.waitForClose()).code).toBe(CloseCodes.tooSlow);
		expect(closing).toHaveLength(1);
		expect((await alice.next("Message")).data.message).toBe("hello");
		await graceEnds(room);
		expect((await alice.next("UserLeft")).data).toMatchObject({ user: { userId: "bob" }, reason: "close" });
	});

	it("puts a grace that the idle sweep began on the alarm when the upgrade that swept is refused", async () => {
		const room = randomRoom();
		const { alice, bob } = await aliceAndBob(room);
		passTime(HEARTBEAT.timeoutMs + 1000);
		await pingNow(alice);
		// Asked without an upgrade (426): the room sweeps first, and bob has been silent too long.
		const [status, alarm] = await runInDurableObject(roomStub(room), async (instance, state) => {
			const answer = await instance.fetch(new Request(roomUrl(room)));
			return [answer.status, await state.storage.getAlarm()] as const;
		});
		expect(status).toBe(426);
		expect(alarm).toBeLessThanOrEqual(clock.now() + GRACE_MS);
		expect((await bob.waitForClose()).code).toBe(CloseCodes.idleTimeout);
		await graceEnds(room);
		expect((await alice.next("UserLeft")).data).toMatchObject({ user: { userId: "bob" }, reason: "timeout" });
	});
});
