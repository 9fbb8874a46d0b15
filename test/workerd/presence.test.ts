import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { connect, join } from "./connect";

describe("ConnectionEstablished", () => {
	it("is sent once on open with the protocol, a connection id, the room, the heartbeat, the limits, the grace and the shard", async () => {
		const room = randomRoom();
		const client = await connect(room);
		expect(client.established.requestId).toBeUndefined();
		expect(client.established.data).toEqual({
			protocol: 1,
			version: "1.5",
			connectionId: expect.any(String),
			room,
			heartbeat: { request: "ping", response: "pong", intervalMs: 20000, timeoutMs: 60000 },
			// This project's RATE_LIMIT and LEAVE_GRACE_SECONDS (test/support/pinned-vars.ts), the default frame size.
			limits: { eventsPerSecond: 1_000_000, burst: 2_000_000, maxMessageBytes: 65536, batchMs: 20 },
			leaveGraceMs: 0,
			// A room in one object: its first (1.3).
			shard: 0,
		});
		await client.settle();
		expect(client.received("ConnectionEstablished")).toHaveLength(1);
		const other = await connect(room);
		expect(other.established.data.connectionId).not.toBe(client.established.data.connectionId);
	});
});

describe("Register", () => {
	it("replies Registered with self and the roster, and tells the others UserJoined", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice", { name: "Alice" });
		const bob = await connect(room);
		const before = Date.now();
		const reply = await bob.request("Register", { userId: "bob", name: "Bob", meta: { avatar: 3 } });
		expect(reply).toMatchObject({ eventType: "ServerEvent", event: "Registered", requestId: expect.any(String) });
		if (reply.event !== "Registered") throw new Error("unreachable");
		expect(reply.data.self).toEqual({
			userId: "bob",
			name: "Bob",
			meta: { avatar: 3 },
			connections: 1,
			joinedAt: expect.any(Number),
			connectionId: bob.established.data.connectionId,
		});
		expect(reply.data.self.joinedAt).toBeGreaterThanOrEqual(before - 1000);
		expect(reply.data.users.map((user) => user.userId)).toEqual(["alice", "bob"]);
		const joined = await alice.next("UserJoined");
		expect(joined.requestId).toBeUndefined();
		expect(joined.data.user).toEqual({
			userId: "bob",
			name: "Bob",
			meta: { avatar: 3 },
			connections: 1,
			joinedAt: reply.data.self.joinedAt,
		});
		// The registering socket hears no UserJoined about itself.
		await bob.settle();
		expect(bob.received("UserJoined")).toHaveLength(0);
	});

	it("defaults name to the userId and meta to {}", async () => {
		const client = await connect(randomRoom());
		const reply = await client.register("carol");
		expect(reply.event === "Registered" && reply.data.self).toMatchObject({ name: "carol", meta: {} });
	});

	it("counts a second tab of the same user without a second UserJoined", async () => {
		const room = randomRoom();
		const watcher = await join(room, "watcher");
		const tab1 = await join(room, "dana");
		await watcher.next("UserJoined", (frame) => frame.data.user.userId === "dana");
		const tab2 = await connect(room);
		const reply = await tab2.register("dana");
		if (reply.event !== "Registered") throw new Error(`expected Registered, got ${reply.event}`);
		expect(reply.data.self.connections).toBe(2);
		expect(reply.data.users.find((user) => user.userId === "dana")?.connections).toBe(2);
		const firstJoinedAt = reply.data.self.joinedAt;
		// The others learn the new tab count; nobody hears a second UserJoined.
		const update = await watcher.next("UserUpdated");
		expect(update.data.user).toMatchObject({ userId: "dana", connections: 2, joinedAt: firstJoinedAt });
		await tab1.next("UserUpdated", (frame) => frame.data.user.connections === 2);
		await watcher.settle();
		expect(watcher.received("UserJoined").filter((frame) => frame.data.user.userId === "dana")).toHaveLength(1);

		// Closing one tab is not a leave.
		tab1.close();
		const down = await watcher.next("UserUpdated", (frame) => frame.data.user.connections === 1);
		expect(down.data.user.userId).toBe("dana");
		await watcher.settle();
		expect(watcher.received("UserLeft")).toHaveLength(0);

		// Closing the last tab is.
		tab2.close();
		const left = await watcher.next("UserLeft");
		expect(left.data).toEqual({ user: expect.objectContaining({ userId: "dana", connections: 0 }), reason: "close" });
	});

	it("keeps joinedAt of the earliest tab and name of the latest update", async () => {
		const room = randomRoom();
		const first = await join(room, "erin", { name: "Erin one" });
		const second = await connect(room);
		const reply = await second.register("erin", { name: "Erin two" });
		const firstReply = first.frames.find((frame) => frame.event === "Registered");
		if (reply.event !== "Registered" || firstReply?.event !== "Registered") throw new Error("no Registered");
		expect(reply.data.self.joinedAt).toBe(firstReply.data.self.joinedAt);
		expect(reply.data.self.name).toBe("Erin two");
	});

	it("updates name and meta when the same connection registers again, telling the others UserUpdated", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const bob = await join(room, "bob", { name: "Bob" });
		await alice.next("UserJoined");
		const reply = await bob.request("Register", { userId: "bob", name: "Robert", meta: { away: true } });
		expect(reply.event).toBe("Registered");
		if (reply.event !== "Registered") return;
		expect(reply.data.self).toMatchObject({ name: "Robert", meta: { away: true }, connections: 1 });
		const update = await alice.next("UserUpdated");
		expect(update.data.user).toMatchObject({ userId: "bob", name: "Robert", meta: { away: true }, connections: 1 });
		await alice.settle();
		expect(alice.received("UserJoined")).toHaveLength(1);
		const users = reply.data.users;
		expect(users).toHaveLength(2);
	});

	it("refuses another userId on a registered connection with ALREADY_REGISTERED and changes nothing", async () => {
		const room = randomRoom();
		const watcher = await join(room, "watcher");
		const alice = await join(room, "alice");
		await watcher.next("UserJoined");
		const reply = await alice.request("Register", { userId: "mallory" });
		expect(reply).toMatchObject({ event: "Error", data: { code: "ALREADY_REGISTERED" } });
		const check = await alice.request("SendMessage", { message: "still me" });
		expect(check.event).toBe("MessageAck");
		const seen = await watcher.next("Message");
		expect(seen.data.from.userId).toBe("alice");
		await watcher.settle();
		expect(watcher.pending()).toEqual([]);
	});
});

describe("Unregister", () => {
	it("replies Unregistered, tells the others UserLeft with reason unregister, and stops room events", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const bob = await join(room, "bob");
		await alice.next("UserJoined");
		const reply = await bob.request("Unregister", {});
		expect(reply).toMatchObject({ event: "Unregistered", data: {} });
		const left = await alice.next("UserLeft");
		expect(left.data).toMatchObject({ user: { userId: "bob", connections: 0 }, reason: "unregister" });

		await alice.request("SendMessage", { message: "anyone?" });
		const carol = await join(room, "carol");
		await alice.next("UserJoined");
		await carol.request("SendMessage", { message: "hi" });
		await bob.settle();
		expect(bob.pending()).toEqual([]);
	});

	it("keeps the connection open and lets it register again, even as someone else", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const bob = await join(room, "bob");
		await alice.next("UserJoined");
		await bob.request("Unregister");
		await alice.next("UserLeft");
		const again = await bob.register("robert");
		expect(again.event).toBe("Registered");
		const joined = await alice.next("UserJoined");
		expect(joined.data.user.userId).toBe("robert");
	});

	it("is harmless on a connection that never registered", async () => {
		const room = randomRoom();
		const watcher = await join(room, "watcher");
		const idle = await connect(room);
		const reply = await idle.request("Unregister");
		expect(reply.event).toBe("Unregistered");
		await watcher.settle();
		expect(watcher.pending()).toEqual([]);
	});

	it("accepts Unregister with requestData absent", async () => {
		const client = await join(randomRoom(), "alice");
		client.send({ eventType: "ClientEvent", event: "Unregister" });
		await client.next("Unregistered");
	});
});

describe("Close", () => {
	it("treats a registered connection's close as a leave with reason close", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const bob = await join(room, "bob");
		await alice.next("UserJoined");
		bob.close(1000, "done");
		const left = await alice.next("UserLeft");
		expect(left.data).toMatchObject({ user: { userId: "bob" }, reason: "close" });
	});

	it("completes the client's closing handshake with the client's own code", async () => {
		const room = randomRoom();
		const client = await join(room, "alice");
		client.close(4321, "my reason");
		expect(await client.waitForClose()).toEqual({ code: 4321, reason: "my reason" });
	});

	it("says nothing when an unregistered connection closes", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const idle = await connect(room);
		idle.close();
		// A later join is ordered after the close: nothing about the idle socket came before it.
		const bob = await join(room, "bob");
		await alice.next("UserJoined", (frame) => frame.data.user.userId === "bob");
		await bob.settle();
		expect(alice.pending()).toEqual([]);
	});
});
