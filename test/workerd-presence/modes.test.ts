/**
 * Presence modes, chosen per connection in Register.presence: `events` (version 1's frames),
 * `batched` (one Presence frame per window, the same for every batched connection) and `count`
 * (no roster; Occupancy at most once a second). PRESENCE_BATCH_MS is 50 here.
 */
import { describe, expect, it } from "vitest";
import type { User } from "../../src/protocol";
import { type FrameOf, randomRoom, type TestClient } from "../support/client";
import { connect, join, usersOf } from "../workerd/connect";

const ids = (users: readonly User[]) => users.map((user) => user.userId);

/** Every Presence frame a client got, in order. */
const presenceFrames = (client: TestClient) => client.received("Presence");

async function settled(...clients: TestClient[]) {
	for (const client of clients) await client.settle();
}

describe("batched", () => {
	it("sends one Presence frame for a window's joins, the same to every batched connection", async () => {
		const room = randomRoom();
		const first = await join(room, "w1", { presence: "batched" });
		const second = await join(room, "w2", { presence: "batched" });
		const joiners = await Promise.all(["a", "b", "c"].map((id) => join(room, id)));
		const frames = await Promise.all(
			[first, second].map((client) =>
				client.next("Presence", (frame) => frame.data.joined.some((user) => user.userId === "c")),
			),
		);
		const [a, b] = frames as [FrameOf<"Presence">, FrameOf<"Presence">];
		expect(a.data).toEqual(b.data);
		expect(a.data.userCount).toBe(5);
		expect(a.data.left).toEqual([]);
		await settled(first, second, ...joiners);
		// Every join is in exactly one frame, each user once per frame: at most a frame per window
		// (a batched connection hears its own join too: every batched connection gets the same frames).
		const heard = presenceFrames(second).flatMap((frame) => ids(frame.data.joined));
		expect([...heard].sort()).toEqual(["a", "b", "c", "w2"]);
		expect(presenceFrames(second).length).toBeLessThanOrEqual(3);
		expect(second.received("UserJoined")).toEqual([]);
	});

	it("names each user once, in their latest state, and a join and leave in one window as a leave", async () => {
		const room = randomRoom();
		const watcher = await join(room, "watcher", { presence: "batched" });
		const quick = await join(room, "quick");
		await quick.request("Unregister");
		const busy = await join(room, "busy", { meta: { n: 0 } });
		for (let n = 1; n <= 5; n++) await busy.request("UpdateUser", { meta: { n } });
		const frame = await watcher.next("Presence", (f) => f.data.joined.some((user) => user.userId === "busy"));
		expect(frame.data.joined.map((user) => [user.userId, user.meta])).toEqual([["busy", { n: 5 }]]);
		expect(frame.data.updated).toEqual([]);
		expect(ids(frame.data.left.map((left) => left.user))).not.toContain("busy");
		// A connection that registered while "quick" was here must hear that "quick" is gone.
		const mentions = presenceFrames(watcher).flatMap((f) => [
			...ids([...f.data.joined, ...f.data.updated]).map((id) => ({ id, here: true })),
			...ids(f.data.left.map((left) => left.user)).map((id) => ({ id, here: false })),
		]);
		expect(mentions.filter((mention) => mention.id === "quick").at(-1)).toEqual({ id: "quick", here: false });
	});

	it("announces an unregister in the next frame, with its reason, and applying frames in order rebuilds the roster", async () => {
		const room = randomRoom();
		const watcher = await join(room, "watcher", { presence: "batched" });
		const roster = new Map<string, User>();
		for (const user of watcher.received("Registered")[0]?.data.users ?? []) roster.set(user.userId, user);
		const bob = await join(room, "bob");
		await watcher.next("Presence");
		await bob.request("Unregister");
		const left = await watcher.next("Presence", (f) => f.data.left.length > 0);
		expect(left.data.left).toEqual([
			{ user: expect.objectContaining({ userId: "bob", connections: 0 }), reason: "unregister" },
		]);
		for (const frame of [...presenceFrames(watcher), ...presenceFrames(watcher)]) {
			for (const user of [...frame.data.joined, ...frame.data.updated]) roster.set(user.userId, user);
			for (const { user } of frame.data.left) roster.delete(user.userId);
		}
		expect([...roster.keys()]).toEqual(ids(await usersOf(room)));
	});
});

describe("count", () => {
	it("gets no roster in Registered, only counts", async () => {
		const room = randomRoom();
		await join(room, "a");
		await join(room, "b");
		const counter = await connect(room);
		const registered = await counter.request("Register", { userId: "counter", presence: "count" });
		expect(registered.event === "Registered" && registered.data).toMatchObject({ users: [], userCount: 3 });
		expect(registered.event === "Registered" && registered.data.self).toMatchObject({ userId: "counter" });
	});

	it("hears Occupancy when a count changed, at most once a second, and no per-user frames", async () => {
		const room = randomRoom();
		const counter = await join(room, "counter", { presence: "count" });
		const started = Date.now();
		const joiners = [];
		for (const id of ["a", "b", "c", "d"]) joiners.push(await join(room, id));
		const last = await counter.next("Occupancy", (f) => f.data.userCount === 5, 5000);
		expect(last.data).toEqual({ userCount: 5, connectionCount: 5 });
		const frames = counter.received("Occupancy");
		if (frames.length > 1) expect(Date.now() - started).toBeGreaterThanOrEqual(900);
		expect(frames.length).toBeLessThanOrEqual(2);
		await settled(counter);
		for (const event of ["UserJoined", "UserUpdated", "UserLeft", "Presence"] as const) {
			expect(counter.received(event)).toEqual([]);
		}
	});
});

describe("a room mixing all three modes", () => {
	it("tells each connection of one change in its own mode, and delivers messages to all", async () => {
		const room = randomRoom();
		const events = await join(room, "e");
		const batched = await join(room, "b", { presence: "batched" });
		const counter = await join(room, "c", { presence: "count" });
		await settled(events, batched, counter);
		const newcomer = await join(room, "newcomer");
		expect((await events.next("UserJoined", (f) => f.data.user.userId === "newcomer")).data.user.connections).toBe(1);
		expect(ids((await batched.next("Presence", (f) => f.data.joined.length > 0)).data.joined)).toContain("newcomer");
		expect((await counter.next("Occupancy", (f) => f.data.userCount === 4)).data.connectionCount).toBe(4);
		await newcomer.request("SendMessage", { message: "hello all" });
		for (const client of [events, batched, counter]) {
			expect((await client.next("Message")).data.message).toBe("hello all");
		}
		expect(batched.received("UserJoined").filter((f) => f.data.user.userId === "newcomer")).toEqual([]);
	});

	it("switches a connection's mode on its next Register", async () => {
		const room = randomRoom();
		const watcher = await join(room, "watcher");
		await watcher.request("Register", { userId: "watcher", presence: "batched" });
		await join(room, "x");
		expect(ids((await watcher.next("Presence")).data.joined)).toEqual(["x"]);
		expect(watcher.received("UserJoined")).toEqual([]);
	});

	it("refuses an unknown mode with BAD_REQUEST", async () => {
		const client = await connect(randomRoom());
		const reply = await client.request("Register", { userId: "x", presence: "loud" });
		expect(reply).toMatchObject({ event: "Error", data: { code: "BAD_REQUEST" } });
	});
});
