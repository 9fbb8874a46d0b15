/** updateUser(): the UpdateUser frame, its answers, merging a stream of calls, and what a re-register carries. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RegisterData, UpdateUserData } from "../../src/protocol/types";
import type { FakeSocket } from "./fake-socket";
import {
	error,
	joined,
	presence,
	rejoined,
	settle,
	startClient,
	unregistered,
	updated,
	user,
	userUpdated,
} from "./harness";

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

const updates = (socket: FakeSocket) => socket.frames().filter((frame) => frame.event === "UpdateUser");
const updateData = (socket: FakeSocket) => updates(socket).map((frame) => frame.requestData as UpdateUserData);
const lastUpdateId = (socket: FakeSocket) => updates(socket).at(-1)?.requestId;

describe("updateUser()", () => {
	it("sends UpdateUser and resolves with the Updated self; self, the roster and a presence event follow", async () => {
		const recorded = startClient();
		const changes = recorded.presence;
		const socket = await joined(recorded, { users: [user("alice"), user("bob")] });
		const done = recorded.client.updateUser({ name: "Alice", meta: { status: "away" } });
		expect(updateData(socket)).toEqual([{ name: "Alice", meta: { status: "away" } }]);
		socket.receive(updated(lastUpdateId(socket), { name: "Alice", meta: { status: "away" } }));
		await expect(done).resolves.toMatchObject({ userId: "alice", name: "Alice", connectionId: "c1" });
		expect(recorded.client.self).toMatchObject({ name: "Alice", meta: { status: "away" }, connectionId: "c1" });
		expect(recorded.client.users.find((entry) => entry.userId === "alice")?.name).toBe("Alice");
		expect(changes.at(-1)).toMatchObject({ type: "updated", user: { userId: "alice", name: "Alice" }, userCount: 2 });
	});

	it("rejects with the room's code (BAD_REQUEST, UNAUTHORIZED), and is no `error` event", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		for (const code of ["BAD_REQUEST", "UNAUTHORIZED"]) {
			const done = recorded.client.updateUser({ name: "Mallory" });
			socket.receive(error(lastUpdateId(socket), code, "no"));
			await expect(done).rejects.toMatchObject({ name: "RoomError", code });
		}
		expect(recorded.errors).toEqual([]);
		expect(recorded.client.state).toBe("registered");
	});

	it("refuses on the client what cannot go: no field, a meta that is not JSON, out of the room, closed", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		const cyclic: { self?: unknown } = {};
		cyclic.self = cyclic;
		await expect(recorded.client.updateUser({})).rejects.toMatchObject({ code: "BAD_REQUEST" });
		await expect(recorded.client.updateUser({ meta: cyclic })).rejects.toMatchObject({ code: "NOT_JSON" });
		const left = recorded.client.unregister();
		socket.receive(unregistered(socket.lastFrame().requestId));
		await left;
		await expect(recorded.client.updateUser({ name: "Later" })).rejects.toMatchObject({ code: "UNREGISTERED" });
		await recorded.client.close();
		await expect(recorded.client.updateUser({ name: "Later" })).rejects.toMatchObject({ code: "CLOSED" });
		expect(updates(socket)).toEqual([]);
	});

	it("RATE_LIMITED goes again a second later, with the same fields", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		const done = recorded.client.updateUser({ meta: { cursor: 1 } });
		socket.receive(error(lastUpdateId(socket), "RATE_LIMITED", "too fast"));
		await settle(999);
		expect(updates(socket)).toHaveLength(1);
		await settle(1);
		expect(updateData(socket)).toEqual([{ meta: { cursor: 1 } }, { meta: { cursor: 1 } }]);
		socket.receive(updated(lastUpdateId(socket), { meta: { cursor: 1 } }));
		await expect(done).resolves.toMatchObject({ meta: { cursor: 1 } });
	});

	it("RATE_LIMITED empties the pacer: the next event waits for a token instead of drawing another refusal", async () => {
		const recorded = startClient();
		const socket = await joined(recorded, {}, { eventsPerSecond: 5, burst: 40, maxMessageBytes: 65_536 });
		recorded.client.updateUser({ meta: { cursor: 1 } }).catch(() => {});
		socket.receive(error(lastUpdateId(socket), "RATE_LIMITED"));
		// One token comes back every 200 ms at 5 per second.
		expect(recorded.client.signal("next")).toBe("queued");
		expect(socket.lastFrame().event).toBe("UpdateUser");
		await settle(200);
		expect(socket.lastFrame().event).toBe("Signal");
	});

	it("past rateLimitedMaxRetries, RATE_LIMITED rejects the update", async () => {
		const recorded = startClient({ rateLimitedMaxRetries: 1 });
		const socket = await joined(recorded);
		const done = recorded.client.updateUser({ meta: { cursor: 1 } });
		socket.receive(error(lastUpdateId(socket), "RATE_LIMITED"));
		await settle(1_000);
		socket.receive(error(lastUpdateId(socket), "RATE_LIMITED"));
		await expect(done).rejects.toMatchObject({ code: "RATE_LIMITED" });
		await settle(5_000);
		expect(updates(socket)).toHaveLength(2);
	});
});

describe("a stream of updates", () => {
	it("calls made while one is on the wire merge into one update with each field's latest value", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		const calls = [recorded.client.updateUser({ meta: { cursor: 0 } })];
		for (let cursor = 1; cursor <= 5; cursor += 1) calls.push(recorded.client.updateUser({ meta: { cursor } }));
		calls.push(recorded.client.updateUser({ name: "Alice" }));
		expect(updateData(socket)).toEqual([{ meta: { cursor: 0 } }]);
		socket.receive(updated(lastUpdateId(socket), { meta: { cursor: 0 } }));
		expect(updateData(socket)).toEqual([{ meta: { cursor: 0 } }, { meta: { cursor: 5 }, name: "Alice" }]);
		socket.receive(updated(lastUpdateId(socket), { meta: { cursor: 5 }, name: "Alice" }));
		const answers = await Promise.all(calls);
		expect(answers.map((self) => self.meta)).toEqual([{ cursor: 0 }, ...Array(6).fill({ cursor: 5 })]);
		expect(updates(socket)).toHaveLength(2);
	});

	it("a rate-limited update takes the calls made meanwhile with it", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		const first = recorded.client.updateUser({ name: "A1", meta: { v: 1 } });
		const second = recorded.client.updateUser({ name: "A2" });
		socket.receive(error(lastUpdateId(socket), "RATE_LIMITED"));
		await settle(1_000);
		expect(updateData(socket).at(-1)).toEqual({ name: "A2", meta: { v: 1 } });
		socket.receive(updated(lastUpdateId(socket), { name: "A2", meta: { v: 1 } }));
		await expect(Promise.all([first, second])).resolves.toHaveLength(2);
	});
});

describe("updates and reconnects", () => {
	const registerData = (socket: FakeSocket) => socket.frames()[0]?.requestData as RegisterData;

	it("the Register after a reconnect carries the name and meta the room last accepted", async () => {
		const recorded = startClient({ name: "alice", meta: { status: "here" } });
		const socket = await joined(recorded);
		const done = recorded.client.updateUser({ name: "Alicia", meta: { status: "away" } });
		socket.receive(updated(lastUpdateId(socket), { name: "Alicia", meta: { status: "away" } }));
		await done;
		// Refused: it must not reach the next Register (a refused Register is final).
		const refused = recorded.client.updateUser({ name: "Not allowed" });
		socket.receive(error(lastUpdateId(socket), "UNAUTHORIZED"));
		await expect(refused).rejects.toMatchObject({ code: "UNAUTHORIZED" });
		socket.drop();
		const next = await rejoined(1_000);
		expect(registerData(next)).toMatchObject({ name: "Alicia", meta: { status: "away" }, presence: "batched" });
		expect(updates(next)).toEqual([]);
	});

	it("a re-Register carries another tab's update heard since, not our older fields", async () => {
		const recorded = startClient({ name: "alice", meta: { status: "here" } });
		const socket = await joined(recorded, { users: [user("alice", { meta: { status: "here" } })] });
		socket.receive(presence({ updated: [user("alice", { name: "Al", meta: { status: "away" } })], userCount: 1 }));
		socket.drop();
		const next = await rejoined(1_000);
		expect(registerData(next)).toMatchObject({ name: "Al", meta: { status: "away" } });
	});

	it("whichever the room said last wins: our accepted update after another tab's, and the reverse", async () => {
		const recorded = startClient({ presence: "events" });
		const socket = await joined(recorded);
		socket.receive(userUpdated(user("alice", { meta: { status: "away" } })));
		const done = recorded.client.updateUser({ meta: { status: "back" } });
		socket.receive(updated(lastUpdateId(socket), { meta: { status: "back" } }));
		await done;
		socket.drop();
		const second = await rejoined(1_000);
		expect(registerData(second)).toMatchObject({ meta: { status: "back" } });
		second.receive(userUpdated(user("alice", { meta: { status: "gone" } })));
		second.drop();
		const third = await rejoined(1_000);
		expect(registerData(third)).toMatchObject({ meta: { status: "gone" } });
	});

	it("an update on the wire when the socket drops, or made offline, goes after the next Registered", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		const onTheWire = recorded.client.updateUser({ meta: { status: "away" } });
		socket.drop();
		const offline = recorded.client.updateUser({ name: "Alice" });
		const next = await rejoined(1_000);
		// The Register carries the room's last word on us, not the unanswered fields.
		expect(registerData(next)).toMatchObject({ name: "alice", meta: {} });
		expect(updateData(next)).toEqual([{ meta: { status: "away" }, name: "Alice" }]);
		next.receive(updated(lastUpdateId(next), { meta: { status: "away" }, name: "Alice" }));
		await expect(Promise.all([onTheWire, offline])).resolves.toHaveLength(2);
	});

	it("unregister() refuses the updates not yet answered with UNREGISTERED", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		const onTheWire = recorded.client.updateUser({ meta: { n: 1 } });
		const waiting = recorded.client.updateUser({ meta: { n: 2 } });
		const left = recorded.client.unregister();
		await expect(onTheWire).rejects.toMatchObject({ code: "UNREGISTERED" });
		await expect(waiting).rejects.toMatchObject({ code: "UNREGISTERED" });
		socket.receive(updated(lastUpdateId(socket), { meta: { n: 1 } }));
		socket.receive(unregistered(socket.lastFrame().requestId));
		await left;
		expect(updates(socket)).toHaveLength(1);
	});
});
