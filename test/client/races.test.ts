/** Races between reconnects, resends, rate limits and (un)registering, through the whole client. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { PresenceChange } from "../../src/client";
import { FakeSocket } from "./fake-socket";
import { ack, error, joined, message, registered, rejoined, settle, startClient } from "./harness";

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

const sendFrames = (socket: FakeSocket) => socket.frames().filter((frame) => frame.event === "SendMessage");
const lastSend = (socket: FakeSocket) => sendFrames(socket).at(-1)?.requestId ?? "";
const unanswered = (socket: FakeSocket) => socket.lastFrame().requestId ?? "";

describe("our own messages are never handed back", () => {
	it("a resend the room may hold, rate-limited and then cut off again, is still known as ours", async () => {
		const recorded = startClient();
		const first = await joined(recorded, { lastSeq: 5 });
		const sent = recorded.client.send("A");
		first.drop();
		const second = await rejoined(1_000, { lastSeq: 6 });
		second.receive(error(lastSend(second), "RATE_LIMITED", "too fast"));
		second.drop();
		const third = await rejoined(5_000, { lastSeq: 6, history: [message(6, "alice", "A")] });
		third.receive(ack(lastSend(third), 6, { duplicate: true }));
		await expect(sent).resolves.toMatchObject({ seq: 6, duplicate: true });
		expect(recorded.messages).toEqual([]);
	});

	it("a message acked while a hold waited, then cut off, is not handed back by the next history", async () => {
		const recorded = startClient();
		const first = await joined(recorded, { lastSeq: 9 });
		const lostAck = recorded.client.send("A");
		first.drop();
		const second = await rejoined(1_000, { lastSeq: 10, history: [message(10, "alice", "A", { id: "idA" })] });
		const during = recorded.client.send("B");
		second.receive(ack(lastSend(second), 11, { id: "idB" }));
		await during;
		second.drop();
		const third = await rejoined(5_000, {
			lastSeq: 12,
			history: [
				message(10, "alice", "A", { id: "idA" }),
				message(11, "alice", "B", { id: "idB" }),
				message(12, "bob", "C"),
			],
		});
		third.receive(ack(lastSend(third), 10, { id: "idA", duplicate: true }));
		await lostAck;
		expect(recorded.messages.map((received) => received.message)).toEqual(["C"]);
		expect(recorded.client.lastSeq).toBe(12);
	});

	it("a resend the room may hold is retried past the rate-limit retry cap instead of being refused", async () => {
		const recorded = startClient();
		const first = await joined(recorded);
		const sent = recorded.client.send("A");
		first.drop();
		const second = await rejoined(1_000);
		for (let attempt = 0; attempt < 12; attempt += 1) {
			second.receive(error(lastSend(second), "RATE_LIMITED", "too fast"));
			await settle(1_000);
		}
		expect(sendFrames(second)).toHaveLength(13);
		second.receive(ack(lastSend(second), 1, { duplicate: true }));
		await expect(sent).resolves.toMatchObject({ seq: 1 });
	});
});

describe("unregister() and register() at awkward moments", () => {
	it("unregister() while the Register is on its way: Registered is answered with an Unregister", async () => {
		const recorded = startClient();
		recorded.client.connect().catch(() => {});
		await settle();
		const socket = FakeSocket.latest();
		socket.accept();
		const register = unanswered(socket);
		const left = recorded.client.unregister();
		socket.receive(registered(register));
		expect(socket.lastFrame().event).toBe("Unregister");
		socket.receive({ eventType: "ServerEvent", event: "Unregistered", requestId: unanswered(socket), data: {} });
		await left;
		expect(recorded.client.state).toBe("unregistered");
	});

	it("a Register retry after RATE_LIMITED is dropped once unregister() is called", async () => {
		const recorded = startClient();
		recorded.client.connect().catch(() => {});
		await settle();
		const socket = FakeSocket.latest();
		socket.accept();
		socket.receive(error(unanswered(socket), "RATE_LIMITED"));
		await recorded.client.unregister();
		await settle(5_000);
		expect(socket.frames().map((frame) => frame.event)).toEqual(["Register"]);
		expect(recorded.client.state).toBe("unregistered");
	});

	it("a Register retry does not follow the client onto a new socket", async () => {
		const recorded = startClient();
		recorded.client.connect().catch(() => {});
		await settle();
		const socket = FakeSocket.latest();
		socket.accept();
		socket.receive(error(unanswered(socket), "RATE_LIMITED"));
		socket.drop();
		await settle(600);
		const next = FakeSocket.latest();
		next.accept();
		await settle(2_000);
		expect(next.frames().map((frame) => frame.event)).toEqual(["Register"]);
	});

	it("a rate-limited Unregister is retried; an Error such as NOT_REGISTERED ends unregister() too", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		let done = false;
		const left = recorded.client.unregister().then(() => {
			done = true;
		});
		socket.receive(error(unanswered(socket), "RATE_LIMITED"));
		await settle(1_000);
		expect(socket.frames().map((frame) => frame.event)).toEqual(["Register", "Unregister", "Unregister"]);
		expect(done).toBe(false);
		socket.receive(error(unanswered(socket), "NOT_REGISTERED"));
		await left;
		expect(recorded.client.state).toBe("unregistered");
	});

	it("register() before the Unregistered arrives waits for it, then registers again", async () => {
		const recorded = startClient();
		const socket = await joined(recorded, { lastSeq: 4 });
		const left = recorded.client.unregister();
		let back = false;
		const rejoin = recorded.client.register().then(() => {
			back = true;
		});
		await settle();
		expect(back).toBe(false);
		socket.receive({ eventType: "ServerEvent", event: "Unregistered", requestId: unanswered(socket), data: {} });
		await left;
		expect(socket.lastFrame()).toMatchObject({ event: "Register", requestData: { since: 4 } });
		socket.receive(registered(unanswered(socket), { lastSeq: 4 }));
		await rejoin;
		expect(recorded.client.state).toBe("registered");
	});

	it("unregister() refuses sends never written but keeps one the room may hold; the emptied roster is announced", async () => {
		const recorded = startClient();
		const changes: PresenceChange[] = [];
		recorded.client.on("presence", (change) => changes.push(change));
		const first = await joined(recorded);
		const mayBeStored = recorded.client.send("A");
		first.drop();
		const second = await rejoined(1_000);
		second.receive(error(lastSend(second), "RATE_LIMITED"));
		// Behind A in the queue, so not written yet.
		const neverWritten = recorded.client.send("C");
		const left = recorded.client.unregister();
		await expect(neverWritten).rejects.toMatchObject({ code: "UNREGISTERED" });
		second.receive({ eventType: "ServerEvent", event: "Unregistered", requestId: unanswered(second), data: {} });
		await left;
		expect(recorded.client.pendingSends).toBe(1);
		expect(changes.at(-1)).toEqual({ type: "sync", users: [], userCount: 0, connectionCount: 0 });
		mayBeStored.catch(() => {});
	});

	it("a send during close() is refused at once", async () => {
		const recorded = startClient();
		await joined(recorded);
		const closing = recorded.client.close();
		await expect(recorded.client.send("late")).rejects.toMatchObject({ code: "CLOSED" });
		await settle(2_000);
		await closing;
	});
});

describe("connection failures are told", () => {
	it("a token function that throws is a CONNECTION_FAILED error event, and it is retried", async () => {
		let calls = 0;
		const recorded = startClient({
			token: () => {
				calls += 1;
				if (calls === 1) throw new Error("token service down");
				return "fresh";
			},
		});
		recorded.client.connect().catch(() => {});
		await settle();
		expect(recorded.errors.map((failure) => failure.code)).toEqual(["CONNECTION_FAILED"]);
		await settle(1_000);
		expect(FakeSocket.latest().url).toContain("token=fresh");
	});
});
