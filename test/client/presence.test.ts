/** Presence 1.1 through the whole client: the mode each Register asks for, batched frames, counts. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RegisterData, ServerFrame } from "../../src/protocol/types";
import type { FakeSocket } from "./fake-socket";
import {
	joined,
	occupancy,
	presence,
	type Recorded,
	rejoined,
	settle,
	startClient,
	unregistered,
	user,
} from "./harness";

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

const ids = (recorded: Recorded) => recorded.client.users.map((entry) => entry.userId);
const registers = (socket: FakeSocket) =>
	socket
		.frames()
		.filter((frame) => frame.event === "Register")
		.map((frame) => frame.requestData as RegisterData);

describe("the presence mode", () => {
	it("every Register asks for batched presence by default, the re-register after a reconnect too", async () => {
		const recorded = startClient();
		const first = await joined(recorded);
		expect(registers(first)).toEqual([{ userId: "alice", presence: "batched" }]);
		first.drop();
		const second = await rejoined(1_000);
		// The re-register also carries our user as the room last told us (alice, meta {}).
		expect(registers(second)).toEqual([{ userId: "alice", name: "alice", meta: {}, presence: "batched", since: 0 }]);
	});

	it("is the `presence` option's, and register() after unregister() asks for it again", async () => {
		const recorded = startClient({ presence: "count" });
		const socket = await joined(recorded, { users: [], userCount: 3 });
		const left = recorded.client.unregister();
		socket.receive(unregistered(socket.lastFrame().requestId));
		await left;
		recorded.client.register().catch(() => {});
		expect(registers(socket).map((data) => data.presence)).toEqual(["count", "count"]);
	});
});

describe("batched presence", () => {
	it("applies joined, updated and left by userId, and the same frame twice changes nothing more", async () => {
		const recorded = startClient();
		const changes = recorded.presence;
		const socket = await joined(recorded, { users: [user("alice"), user("bob", { joinedAt: 500 })] });
		expect(recorded.client.userCount).toBe(2);
		const frame: ServerFrame = presence({
			joined: [user("carol", { joinedAt: 2_000 }), user("dave", { joinedAt: 3_000 })],
			updated: [user("bob", { joinedAt: 500, connections: 2 })],
			left: [
				{ user: user("dave"), reason: "close" },
				{ user: user("erin"), reason: "timeout" },
			],
			userCount: 3,
		});
		socket.receive(frame);
		const once = { users: recorded.client.users, userCount: recorded.client.userCount };
		socket.receive(frame);
		expect({ users: recorded.client.users, userCount: recorded.client.userCount }).toEqual(once);
		expect(ids(recorded)).toEqual(["bob", "alice", "carol"]);
		expect(recorded.client.users[0]?.connections).toBe(2);
		expect(recorded.client.userCount).toBe(3);
		expect(changes.map((change) => change.type)).toEqual(["sync", "batch", "batch"]);
		expect(changes[1]).toMatchObject({
			type: "batch",
			joined: [{ userId: "carol" }, { userId: "dave" }],
			left: [{ user: { userId: "dave" }, reason: "close" }, { user: { userId: "erin" } }],
			userCount: 3,
			connectionCount: 4,
		});
	});

	it("takes userCount from the frame, and our own user from its lists", async () => {
		const recorded = startClient();
		const socket = await joined(recorded, { users: [user("alice")], userCount: 1 });
		socket.receive(presence({ updated: [user("alice", { connections: 2, name: "Alice" })], userCount: 7 }));
		expect(recorded.client.userCount).toBe(7);
		expect(recorded.client.self).toMatchObject({ userId: "alice", name: "Alice", connections: 2, connectionId: "c1" });
	});

	it("the roster is kept through a reconnect and replaced by the next Registered", async () => {
		const recorded = startClient();
		const changes = recorded.presence;
		const socket = await joined(recorded, { users: [user("alice"), user("bob")] });
		socket.receive(presence({ joined: [user("carol")], userCount: 3 }));
		socket.drop();
		await settle(100);
		// Still who was there while reconnecting, and no event saying otherwise.
		expect(recorded.client.state).toBe("reconnecting");
		expect(ids(recorded)).toEqual(["alice", "bob", "carol"]);
		expect(recorded.client.userCount).toBe(3);
		expect(changes.map((change) => change.type)).toEqual(["sync", "batch"]);
		await rejoined(1_000, { users: [user("alice"), user("dave")] });
		expect(ids(recorded)).toEqual(["alice", "dave"]);
		expect(recorded.client.userCount).toBe(2);
		expect(changes.at(-1)).toMatchObject({ type: "sync", userCount: 2, connectionCount: 2 });
	});
});

describe("count presence", () => {
	it("has no roster: users stay empty, and the counts come from Registered and Occupancy", async () => {
		const recorded = startClient({ presence: "count" });
		const changes = recorded.presence;
		const socket = await joined(recorded, { users: [], userCount: 120 });
		expect(recorded.client.users).toEqual([]);
		expect(recorded.client.userCount).toBe(120);
		expect(recorded.client.self).toMatchObject({ userId: "alice", connectionId: "c1" });
		expect(changes.at(-1)).toEqual({ type: "sync", users: [], userCount: 120, connectionCount: undefined });
		socket.receive(occupancy(121, 140));
		socket.receive(occupancy(119, 137));
		expect(recorded.client.users).toEqual([]);
		expect(recorded.client.userCount).toBe(119);
		expect(changes.at(-1)).toEqual({ type: "occupancy", users: [], userCount: 119, connectionCount: 137 });
	});

	it("forgets the last Occupancy's connection count at the next Registered, until an Occupancy says it", async () => {
		const recorded = startClient({ presence: "count" });
		const changes = recorded.presence;
		const socket = await joined(recorded, { users: [], userCount: 120 });
		socket.receive(occupancy(121, 140));
		socket.drop();
		const next = await rejoined(1_000, { users: [], userCount: 90 });
		expect(changes.at(-1)).toEqual({ type: "sync", users: [], userCount: 90, connectionCount: undefined });
		next.receive(occupancy(90, 101));
		expect(changes.at(-1)).toEqual({ type: "occupancy", users: [], userCount: 90, connectionCount: 101 });
	});
});

describe("events presence", () => {
	it("counts the roster: userCount follows UserJoined and UserLeft", async () => {
		const recorded = startClient({ presence: "events" });
		const changes = recorded.presence;
		const socket = await joined(recorded, { users: [user("alice"), user("bob")] });
		socket.receive({ eventType: "ServerEvent", event: "UserJoined", data: { user: user("carol") } });
		expect(recorded.client.userCount).toBe(3);
		socket.receive({ eventType: "ServerEvent", event: "UserLeft", data: { user: user("bob"), reason: "close" } });
		socket.receive({ eventType: "ServerEvent", event: "UserLeft", data: { user: user("bob"), reason: "close" } });
		expect(recorded.client.userCount).toBe(2);
		expect(ids(recorded)).toEqual(["alice", "carol"]);
		expect(changes.map((change) => [change.type, change.userCount])).toEqual([
			["sync", 2],
			["joined", 3],
			["left", 2],
			["left", 2],
		]);
	});
});
