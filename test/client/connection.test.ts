import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RoomClient, type RoomError } from "../../src/client";
import { FakeSocket } from "./fake-socket";
import { ack, error, joined, live, message, registered, rejoined, settle, startClient, unregistered } from "./harness";

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

describe("connecting and registering", () => {
	it("opens the room's socket URL (token included) and registers with the given identity", async () => {
		const recorded = startClient({ room: "team.a-1", name: "Alice", meta: { color: "red" }, token: "t.o.k" });
		expect(recorded.client.state).toBe("closed");
		const connected = recorded.client.connect();
		expect(recorded.client.state).toBe("connecting");
		await settle();
		const socket = FakeSocket.latest();
		expect(socket.url).toBe("ws://rooms.test/rooms/team.a-1/ws?token=t.o.k");
		expect(recorded.client.readyState).toBe(RoomClient.CONNECTING);
		socket.accept();
		const register = socket.lastFrame();
		expect(register).toMatchObject({
			eventType: "ClientEvent",
			event: "Register",
			requestData: { userId: "alice", name: "Alice", meta: { color: "red" } },
		});
		// The first join asks for the latest history, not a resume.
		expect(register.requestData).not.toHaveProperty("since");
		socket.receive(registered(register.requestId));
		await connected;
		expect(recorded.client.state).toBe("registered");
		expect(recorded.client.readyState).toBe(RoomClient.OPEN);
		expect(recorded.client.connectionId).toBe("c1");
		expect(recorded.states).toEqual(["connecting", "registered"]);
	});

	it("uses wss for an https host and asks a token function afresh on every connection", async () => {
		let minted = 0;
		const recorded = startClient({ host: "https://rooms.example", token: async () => `token-${++minted}` });
		const socket = await joined(recorded);
		expect(socket.url).toBe("wss://rooms.example/rooms/lobby/ws?token=token-1");
		socket.drop();
		const next = await rejoined(1_000);
		expect(next.url).toBe("wss://rooms.example/rooms/lobby/ws?token=token-2");
	});

	it("a refused identity (Error on Register) closes the client and rejects connect()", async () => {
		const recorded = startClient();
		const connected = recorded.client.connect();
		await settle();
		const socket = FakeSocket.latest();
		socket.accept();
		socket.receive(error(socket.lastFrame().requestId, "UNAUTHORIZED", "userId does not match the token"));
		await expect(connected).rejects.toMatchObject({ code: "UNAUTHORIZED" });
		expect(recorded.client.state).toBe("closed");
		await settle(120_000);
		expect(FakeSocket.instances).toHaveLength(1);
	});
});

describe("a Register turned away for now", () => {
	it.each(["INTERNAL", "TOO_MANY_CONNECTIONS"])(
		"%s after a reconnect: reported, the Register goes again on the same socket, and the resend survives",
		async (code) => {
			const recorded = startClient();
			const first = await joined(recorded);
			const sent = recorded.client.send("A");
			first.drop();
			await settle(1_000);
			const socket = FakeSocket.latest();
			socket.accept("c2");
			const firstTry = socket.lastFrame();
			expect(firstTry.event).toBe("Register");
			socket.receive(error(firstTry.requestId, code, "not now"));
			await settle();
			expect(recorded.client.state).toBe("reconnecting");
			expect(recorded.errors.map((failure) => [failure.code, failure.message])).toEqual([[code, "not now; retrying"]]);
			// The reconnect's backoff: the first ceiling is 1 s, and random() is 0.5.
			await settle(499);
			expect(socket.lastFrame().requestId).toBe(firstTry.requestId);
			await settle(1);
			const secondTry = socket.lastFrame();
			expect(secondTry).toMatchObject({ event: "Register", requestData: { userId: "alice", since: 0 } });
			expect(secondTry.requestId).not.toBe(firstTry.requestId);
			socket.receive(registered(secondTry.requestId));
			await settle();
			expect(recorded.client.state).toBe("registered");
			const resend = socket.frames().find((frame) => frame.event === "SendMessage");
			expect(resend?.requestData).toMatchObject({ message: "A" });
			socket.receive(ack(resend?.requestId ?? "", 1, { duplicate: true }));
			await expect(sent).resolves.toMatchObject({ seq: 1 });
			expect(FakeSocket.instances).toHaveLength(2);
		},
	);

	it("a BAD_REQUEST or ALREADY_REGISTERED answer is final, as UNAUTHORIZED is", async () => {
		for (const code of ["BAD_REQUEST", "ALREADY_REGISTERED"]) {
			const recorded = startClient();
			const connected = recorded.client.connect();
			await settle();
			const socket = FakeSocket.latest();
			socket.accept();
			socket.receive(error(socket.lastFrame().requestId, code));
			await expect(connected).rejects.toMatchObject({ code });
			expect(recorded.client.state).toBe("closed");
		}
	});
});

describe("reconnecting", () => {
	it("after a drop: reconnecting, a jittered delay, then Register resuming from the last seq", async () => {
		const recorded = startClient();
		const socket = await joined(recorded, { lastSeq: 7 });
		socket.drop(1006);
		expect(recorded.client.state).toBe("reconnecting");
		// random() is 0.5 and the first ceiling 1 s: the retry comes at 500 ms, not before.
		await settle(499);
		expect(FakeSocket.instances).toHaveLength(1);
		await settle(1);
		expect(FakeSocket.instances).toHaveLength(2);
		const next = FakeSocket.latest();
		next.accept("c2");
		expect(next.lastFrame()).toMatchObject({ event: "Register", requestData: { userId: "alice", since: 7 } });
		next.receive(registered(next.lastFrame().requestId, { lastSeq: 7 }));
		await settle();
		expect(recorded.states).toEqual(["connecting", "registered", "reconnecting", "registered"]);
	});

	it("backs off further on each failed attempt (ceilings 1 s, 2 s, 4 s, with the same draw)", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		socket.drop();
		const times: number[] = [];
		let last = Date.now();
		for (let attempt = 0; attempt < 3; attempt += 1) {
			const before = FakeSocket.instances.length;
			while (FakeSocket.instances.length === before) await settle(10);
			times.push(Date.now() - last);
			last = Date.now();
			FakeSocket.latest().drop();
		}
		expect(times[0]).toBeGreaterThanOrEqual(500);
		expect(times[0]).toBeLessThan(520);
		expect(times[1]).toBeGreaterThanOrEqual(1_000);
		expect(times[1]).toBeLessThan(1_020);
		expect(times[2]).toBeGreaterThanOrEqual(2_000);
		expect(times[2]).toBeLessThan(2_020);
	});

	it("keeps retrying within the room's leave grace (10 s here) after a drop, even with the longest draws", async () => {
		const recorded = startClient({ random: () => 0.999 });
		const socket = await joined(recorded);
		const droppedAt = Date.now();
		socket.drop(1006);
		const attempts: number[] = [];
		for (let attempt = 0; attempt < 6; attempt += 1) {
			const before = FakeSocket.instances.length;
			while (FakeSocket.instances.length === before) await settle(10);
			attempts.push(Date.now() - droppedAt);
			FakeSocket.latest().drop();
		}
		// Without the grace the ceilings 1, 2, 4, 8, 16, 30 s would put the fourth attempt at ~15 s.
		expect(attempts.every((at) => at < 10_000)).toBe(true);
		expect(attempts).toEqual([...attempts].sort((a, b) => a - b));
	});

	it("does not reconnect after a policy close (1008): closed, with an error", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		const pending = recorded.client.send("queued").catch((failure: unknown) => failure);
		socket.drop(1008, "rate limit");
		await settle(300_000);
		expect(FakeSocket.instances).toHaveLength(1);
		expect(recorded.client.state).toBe("closed");
		expect(recorded.errors.map((failure) => failure.code)).toEqual(["CLOSED"]);
		expect(await pending).toMatchObject({ code: "CLOSED" });
	});

	it("reconnects after the server's idle close (4000)", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		socket.drop(4000, "timeout");
		await rejoined(1_000);
		expect(recorded.client.state).toBe("registered");
	});

	it("reconnects after the server's too-slow close (4001) and resumes: what it missed, once, and no error", async () => {
		const recorded = startClient();
		const socket = await joined(recorded, { lastSeq: 4 });
		socket.receive(live(message(5, "bob", "read before the close")));
		socket.drop(4001, "too slow");
		expect(recorded.client.state).toBe("reconnecting");
		await settle(1_000);
		const next = FakeSocket.latest();
		expect(next).not.toBe(socket);
		next.accept("c2");
		const register = next.lastFrame();
		expect(register).toMatchObject({ event: "Register", requestData: { userId: "alice", since: 5 } });
		const missed = [message(5, "bob", "read before the close"), message(6, "bob", "b"), message(7, "carol", "c")];
		next.receive(registered(register.requestId, { lastSeq: 7, history: missed }));
		await settle();
		expect(recorded.messages.map((received) => received.seq)).toEqual([5, 6, 7]);
		expect(recorded.history).toEqual([false, true, true]);
		expect(recorded.states).toEqual(["connecting", "registered", "reconnecting", "registered"]);
		expect(recorded.errors).toEqual([]);
	});
});

describe("heartbeat and a dead link", () => {
	it("pings every 20 s while the server answers", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		await settle(20_000);
		expect(socket.written.filter((data) => data === "ping")).toHaveLength(1);
		socket.receive("pong");
		await settle(20_000);
		socket.receive("pong");
		expect(socket.written.filter((data) => data === "ping")).toHaveLength(2);
		await settle(20_000);
		expect(FakeSocket.instances).toHaveLength(1);
	});

	it("replaces a link silent for longer than the server's timeout, though the browser still calls it open", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		await settle(60_000);
		expect(FakeSocket.instances).toHaveLength(1);
		await settle(5_000);
		expect(socket.closedWith?.code).toBe(4000);
		expect(recorded.client.state).toBe("reconnecting");
		await rejoined(1_000);
		expect(recorded.client.state).toBe("registered");
	});
});

describe("unregister and close", () => {
	it("close(): Unregister, then a 1000 close, and no reconnect", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		const closed = recorded.client.close();
		const unregister = socket.lastFrame();
		expect(unregister).toMatchObject({ event: "Unregister", requestData: {} });
		socket.receive({
			eventType: "ServerEvent",
			event: "Unregistered",
			requestId: unregister.requestId ?? "",
			data: {},
		});
		await closed;
		expect(socket.closedWith?.code).toBe(1000);
		expect(recorded.client.state).toBe("closed");
		await settle(300_000);
		expect(FakeSocket.instances).toHaveLength(1);
		await expect(recorded.client.send("late")).rejects.toMatchObject({ code: "CLOSED" });
	});

	it("connect() after close() rejects with CLOSED and opens nothing, whether close() is done, under way or came first", async () => {
		const settled = (promise: Promise<unknown>) => {
			const outcome = { code: "pending" };
			promise.then(
				() => {
					outcome.code = "resolved";
				},
				(failure: RoomError) => {
					outcome.code = failure.code;
				},
			);
			return outcome;
		};
		const recorded = startClient();
		const socket = await joined(recorded);
		const closed = recorded.client.close();
		const whileClosing = settled(recorded.client.connect());
		socket.receive(unregistered(socket.lastFrame().requestId));
		await closed;
		const afterClose = settled(recorded.client.connect());
		await settle(60_000);
		expect([whileClosing.code, afterClose.code]).toEqual(["CLOSED", "CLOSED"]);
		expect(FakeSocket.instances).toHaveLength(1);
		expect(recorded.client.state).toBe("closed");
		await expect(recorded.client.send("late")).rejects.toMatchObject({ code: "CLOSED" });

		const never = startClient();
		await never.client.close();
		const afterEarlyClose = settled(never.client.connect());
		await settle(60_000);
		expect(afterEarlyClose.code).toBe("CLOSED");
		expect(FakeSocket.instances).toHaveLength(0);
		expect(never.states).toEqual([]);
	});

	it("close() does not hang when the Unregistered never comes", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		const closed = recorded.client.close();
		await settle(2_000);
		await closed;
		expect(socket.closedWith?.code).toBe(1000);
	});

	it("unregister() keeps the socket; register() rejoins, resuming", async () => {
		const recorded = startClient();
		const socket = await joined(recorded, { lastSeq: 3 });
		const left = recorded.client.unregister();
		const unregister = socket.lastFrame();
		socket.receive({
			eventType: "ServerEvent",
			event: "Unregistered",
			requestId: unregister.requestId ?? "",
			data: {},
		});
		await left;
		expect(recorded.client.state).toBe("unregistered");
		expect(recorded.client.users).toEqual([]);
		const back = recorded.client.register();
		const register = socket.lastFrame();
		expect(register).toMatchObject({ event: "Register", requestData: { since: 3 } });
		socket.receive(registered(register.requestId, { lastSeq: 3 }));
		await back;
		expect(recorded.client.state).toBe("registered");
		expect(FakeSocket.instances).toHaveLength(1);
	});
});
