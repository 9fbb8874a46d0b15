import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { SendMessageData } from "../../src/protocol/types";
import { FakeSocket } from "./fake-socket";
import { ack, error, joined, registered, rejoined, settle, startClient } from "./harness";

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

const sends = (socket: FakeSocket) => socket.frames().filter((frame) => frame.event === "SendMessage");
const sendData = (socket: FakeSocket) => sends(socket).map((frame) => frame.requestData as SendMessageData);

describe("send()", () => {
	it("resolves with the MessageAck; the frame carries the message, `to` and a clientMessageId", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		const sent = recorded.client.send({ text: "hi" }, { to: "bob" });
		const frame = socket.lastFrame();
		expect(frame).toMatchObject({ event: "SendMessage", requestData: { message: { text: "hi" }, to: "bob" } });
		expect((frame.requestData as SendMessageData).clientMessageId).toMatch(/^[0-9a-f]{32}$/);
		socket.receive(ack(frame.requestId ?? "", 1));
		expect(await sent).toEqual({ id: "id-1", seq: 1, sentAt: 1_001 });
		expect(recorded.client.pendingSends).toBe(0);
	});

	it("rejects with the room's Error (its code and text), and the client carries on", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		const sent = recorded.client.send("to nobody", { to: "ghost" });
		socket.receive(error(socket.lastFrame().requestId, "USER_NOT_FOUND", "no user ghost in this room"));
		await expect(sent).rejects.toMatchObject({
			name: "RoomError",
			code: "USER_NOT_FOUND",
			message: "no user ghost in this room",
		});
		// A reply to the send is not also an `error` event.
		expect(recorded.errors).toEqual([]);
		expect(recorded.client.state).toBe("registered");
	});

	it("rejects a send the room's own logic refused (FORBIDDEN from a hook), once, and sends the next", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		const sent = recorded.client.send("a banned word");
		socket.receive(error(socket.lastFrame().requestId, "FORBIDDEN", "that word is not allowed here"));
		await expect(sent).rejects.toMatchObject({ code: "FORBIDDEN", message: "that word is not allowed here" });
		await vi.advanceTimersByTimeAsync(10_000);
		expect(sends(socket)).toHaveLength(1);
		const next = recorded.client.send("fine");
		socket.receive(ack(socket.lastFrame().requestId ?? "", 1));
		expect(await next).toMatchObject({ seq: 1 });
		expect(recorded.errors).toEqual([]);
	});

	it("rejects what is not JSON without writing anything", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		const cyclic: { self?: unknown } = {};
		cyclic.self = cyclic;
		for (const bad of [undefined, 10n, cyclic]) {
			await expect(recorded.client.send(bad)).rejects.toMatchObject({ code: "NOT_JSON" });
		}
		expect(sends(socket)).toEqual([]);
	});

	it("an Error without a requestId (or for no send of ours) is an `error` event", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		socket.receive(error(undefined, "BAD_FRAME", "binary"));
		socket.receive("<html>a proxy's error page</html>");
		expect(recorded.errors.map((failure) => failure.code)).toEqual(["BAD_FRAME", "BAD_SERVER_FRAME"]);
	});
});

describe("offline sends", () => {
	it("wait while offline and go after the Register is answered, in order, each once", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		socket.drop();
		const sent = [recorded.client.send("one"), recorded.client.send("two")];
		await settle(400);
		const next = await rejoined(1_000);
		const [register, ...rest] = next.frames();
		expect(register?.event).toBe("Register");
		expect(rest.map((frame) => (frame.requestData as SendMessageData).message)).toEqual(["one", "two"]);
		next.receive(ack(rest[0]?.requestId ?? "", 1));
		next.receive(ack(rest[1]?.requestId ?? "", 2));
		expect((await Promise.all(sent)).map((received) => received.seq)).toEqual([1, 2]);
	});

	it("nothing is written before the Register is answered", async () => {
		const recorded = startClient();
		const connected = recorded.client.connect();
		const early = recorded.client.send("early");
		await settle();
		const socket = FakeSocket.latest();
		socket.accept();
		expect(socket.frames().map((frame) => frame.event)).toEqual(["Register"]);
		socket.receive(registered(socket.lastFrame().requestId));
		await connected;
		expect(socket.frames().map((frame) => frame.event)).toEqual(["Register", "SendMessage"]);
		socket.receive(ack(socket.lastFrame().requestId ?? "", 1));
		await expect(early).resolves.toMatchObject({ seq: 1 });
	});

	it("the queue is bounded: past queueLimit a send is refused at once with QUEUE_FULL", async () => {
		const recorded = startClient({ queueLimit: 3 });
		const socket = await joined(recorded);
		socket.drop();
		const accepted = [1, 2, 3].map((n) => recorded.client.send(n));
		await expect(recorded.client.send(4)).rejects.toMatchObject({ code: "QUEUE_FULL" });
		expect(recorded.client.pendingSends).toBe(3);
		const next = await rejoined(1_000);
		expect(sendData(next).map((data) => data.message)).toEqual([1, 2, 3]);
		for (const [index, frame] of sends(next).entries()) next.receive(ack(frame.requestId ?? "", index + 1));
		await Promise.all(accepted);
		expect(recorded.client.pendingSends).toBe(0);
	});

	it("a send written before a drop is written again with the same clientMessageId (the room dedups it)", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		const sent = recorded.client.send("once");
		const before = sendData(socket)[0];
		socket.drop();
		const next = await rejoined(1_000);
		expect(sendData(next)).toEqual([before]);
		next.receive(ack(sends(next)[0]?.requestId ?? "", 1, { duplicate: true }));
		await expect(sent).resolves.toMatchObject({ seq: 1, duplicate: true });
	});

	it("a flushed queue is paced to the room's rate instead of being refused", async () => {
		const recorded = startClient({ pace: { perSecond: 20, burst: 40 } });
		const socket = await joined(recorded);
		socket.drop();
		for (let n = 0; n < 100; n += 1) recorded.client.send(n).catch(() => {});
		const next = await rejoined(1_000);
		// The connection's bucket starts full (40); the Register took one.
		expect(sends(next)).toHaveLength(39);
		await settle(1_000);
		expect(sends(next)).toHaveLength(59);
		await settle(2_100);
		expect(sendData(next).map((data) => data.message)).toEqual(Array.from({ length: 100 }, (_, n) => n));
	});

	it("RATE_LIMITED is not a failure: the send goes again a second later, same clientMessageId", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		const sent = recorded.client.send("slow down");
		const first = socket.lastFrame();
		socket.receive(error(first.requestId, "RATE_LIMITED", "too fast"));
		await settle(999);
		expect(sends(socket)).toHaveLength(1);
		await settle(1);
		expect(sends(socket)).toHaveLength(2);
		expect(sends(socket)[1]).toEqual(first);
		socket.receive(ack(first.requestId ?? "", 1));
		await expect(sent).resolves.toMatchObject({ seq: 1 });
	});

	it("RATE_LIMITED empties the pacer: the next event waits for a token instead of drawing another refusal", async () => {
		const recorded = startClient();
		const socket = await joined(recorded, {}, { eventsPerSecond: 5, burst: 40, maxMessageBytes: 65_536 });
		recorded.client.send("too fast").catch(() => {});
		socket.receive(error(socket.lastFrame().requestId, "RATE_LIMITED"));
		// One token comes back every 200 ms at 5 per second.
		expect(recorded.client.signal("next")).toBe("queued");
		expect(socket.lastFrame().event).toBe("SendMessage");
		await settle(200);
		expect(socket.lastFrame().event).toBe("Signal");
	});

	it("unregister() refuses the sends still waiting, with UNREGISTERED", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		socket.drop();
		const waiting = recorded.client.send("never");
		await recorded.client.unregister();
		await expect(waiting).rejects.toMatchObject({ code: "UNREGISTERED" });
	});
});
