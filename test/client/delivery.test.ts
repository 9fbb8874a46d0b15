import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { PresenceChange, RegisteredInfo } from "../../src/client";
import { ack, joined, live, message, rejoined, startClient, user } from "./harness";

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

const seqs = (recorded: { messages: { seq: number }[] }) => recorded.messages.map((received) => received.seq);

describe("messages once and in seq order", () => {
	it("hands over the join history (marked as history), then live messages, dropping repeats", async () => {
		const recorded = startClient();
		const socket = await joined(recorded, {
			lastSeq: 3,
			history: [message(1, "bob", "a"), message(2, "bob", "b"), message(3, "alice", "mine, from before")],
		});
		socket.receive(live(message(3, "bob", "c")));
		socket.receive(live(message(4, "bob", "d")));
		socket.receive(live(message(4, "bob", "d")));
		expect(seqs(recorded)).toEqual([1, 2, 3, 4]);
		expect(recorded.history).toEqual([true, true, true, false]);
		expect(recorded.client.lastSeq).toBe(4);
	});

	it("resumes after a reconnect: only what was missed, once, even when the room's history overlaps", async () => {
		const recorded = startClient();
		const socket = await joined(recorded, { lastSeq: 2, history: [message(1, "bob", "a"), message(2, "bob", "b")] });
		socket.drop();
		const next = await rejoined(1_000, {
			lastSeq: 4,
			history: [message(2, "bob", "b"), message(3, "bob", "c"), message(4, "carol", "d")],
		});
		expect(next.frames()[0]).toMatchObject({ event: "Register", requestData: { since: 2 } });
		expect(seqs(recorded)).toEqual([1, 2, 3, 4]);
		next.receive(live(message(5, "bob", "e")));
		expect(seqs(recorded)).toEqual([1, 2, 3, 4, 5]);
	});

	it("counts its own acked messages as seen, so a resume does not hand them back", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		const sent = recorded.client.send("mine");
		socket.receive(ack(socket.lastFrame().requestId ?? "", 1));
		await sent;
		socket.drop();
		const next = await rejoined(1_000, { lastSeq: 1 });
		expect(next.frames()[0]).toMatchObject({ requestData: { since: 1 } });
		expect(recorded.messages).toEqual([]);
	});

	it("starts counting again when the room's storage was reset (its lastSeq is below ours)", async () => {
		const recorded = startClient();
		const infos: RegisteredInfo[] = [];
		recorded.client.on("registered", (info) => infos.push(info));
		const socket = await joined(recorded, { lastSeq: 9, history: [message(9, "bob", "old")] });
		socket.drop();
		await rejoined(1_000, { lastSeq: 2, history: [message(1, "bob", "new 1"), message(2, "bob", "new 2")] });
		expect(infos.map((info) => info.reset)).toEqual([false, true]);
		expect(seqs(recorded)).toEqual([9, 1, 2]);
		expect(recorded.client.lastSeq).toBe(2);
	});

	it("a send whose ack was lost: resent with its clientMessageId, and its copy in the history is not handed back", async () => {
		const recorded = startClient();
		const socket = await joined(recorded, { lastSeq: 1, history: [message(1, "bob", "a")] });
		const sent = recorded.client.send("lost ack");
		const original = socket.lastFrame();
		socket.drop();
		// The room stored it as seq 2 before the drop; bob wrote seq 3 meanwhile.
		const next = await rejoined(1_000, {
			lastSeq: 3,
			history: [message(2, "alice", "lost ack", { id: "id-2" }), message(3, "bob", "b")],
		});
		const resend = next.lastFrame();
		expect(resend.event).toBe("SendMessage");
		expect(resend.requestData).toEqual(original.requestData);
		// Held until the resend is answered: nothing is handed over before it.
		next.receive(live(message(4, "bob", "c")));
		expect(seqs(recorded)).toEqual([1]);
		next.receive(ack(resend.requestId ?? "", 2, { id: "id-2", duplicate: true }));
		expect(await sent).toMatchObject({ id: "id-2", seq: 2, duplicate: true });
		expect(seqs(recorded)).toEqual([1, 3, 4]);
		expect(recorded.client.lastSeq).toBe(4);
	});

	it("a resend that the room had not stored is acked fresh; the held messages then go in order", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		const sent = recorded.client.send("never arrived");
		socket.drop();
		const next = await rejoined(1_000, { lastSeq: 1, history: [message(1, "bob", "a")] });
		next.receive(ack(next.lastFrame().requestId ?? "", 2));
		expect(await sent).toMatchObject({ seq: 2 });
		expect(seqs(recorded)).toEqual([1]);
		expect(recorded.client.lastSeq).toBe(2);
	});
});

describe("the roster", () => {
	it("follows Registered, UserJoined, UserUpdated and UserLeft, with a presence event for each", async () => {
		const recorded = startClient();
		const changes: PresenceChange[] = [];
		recorded.client.on("presence", (change) => changes.push(change));
		const socket = await joined(recorded, { users: [user("alice"), user("bob", { joinedAt: 500 })] });
		expect(recorded.client.users.map((entry) => entry.userId)).toEqual(["bob", "alice"]);

		socket.receive({
			eventType: "ServerEvent",
			event: "UserJoined",
			data: { user: user("carol", { joinedAt: 2_000 }) },
		});
		socket.receive({
			eventType: "ServerEvent",
			event: "UserUpdated",
			data: { user: user("bob", { joinedAt: 500, connections: 2 }) },
		});
		socket.receive({
			eventType: "ServerEvent",
			event: "UserUpdated",
			data: { user: user("alice", { connections: 2 }) },
		});
		socket.receive({ eventType: "ServerEvent", event: "UserLeft", data: { user: user("carol"), reason: "timeout" } });

		expect(changes.map((change) => change.type)).toEqual(["sync", "joined", "updated", "updated", "left"]);
		expect(changes[4]).toMatchObject({ type: "left", reason: "timeout", user: { userId: "carol" } });
		expect(recorded.client.users.map((entry) => [entry.userId, entry.connections])).toEqual([
			["bob", 2],
			["alice", 2],
		]);
		// Our own tab count, from UserUpdated; the connection id stays ours.
		expect(recorded.client.self).toMatchObject({ userId: "alice", connections: 2, connectionId: "c1" });
	});

	it("is replaced, not merged, by the Registered after a reconnect (who left meanwhile is gone)", async () => {
		const recorded = startClient();
		const socket = await joined(recorded, { users: [user("alice"), user("bob")] });
		socket.drop();
		// Kept while reconnecting: the page still shows who was there.
		expect(recorded.client.users.map((entry) => entry.userId)).toEqual(["alice", "bob"]);
		await rejoined(1_000, { users: [user("alice"), user("dave")] });
		expect(recorded.client.users.map((entry) => entry.userId)).toEqual(["alice", "dave"]);
	});

	it("a listener that throws does not stop the others", async () => {
		const recorded = startClient();
		const errorSpy = vi.spyOn(console, "error").mockImplementation(() => {});
		recorded.client.on("message", () => {
			throw new Error("a bug in the page");
		});
		const after: number[] = [];
		recorded.client.on("message", (received) => after.push(received.seq));
		const socket = await joined(recorded);
		socket.receive(live(message(1, "bob", "a")));
		expect(seqs(recorded)).toEqual([1]);
		expect(after).toEqual([1]);
		expect(errorSpy).toHaveBeenCalledTimes(1);
		errorSpy.mockRestore();
	});
});
