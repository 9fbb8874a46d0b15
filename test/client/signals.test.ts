/** signal(): keyed coalescing and throttling, `to`, unkeyed signals, dropping out of the room, the `signal` event and refusals. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_OPTIONS } from "../../src/client";
import type { SignalRequestData } from "../../src/protocol/types";
import { FakeSocket } from "./fake-socket";
import { error, joined, registered, rejoined, settle, signalFrame, startClient, unregistered } from "./harness";

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

const signalFrames = (socket: FakeSocket) => socket.frames().filter((frame) => frame.event === "Signal");
const signalData = (socket: FakeSocket) => signalFrames(socket).map((frame) => frame.requestData as SignalRequestData);
const values = (socket: FakeSocket) => signalData(socket).map((data) => data.signal);

describe("signal()", () => {
	it("10 calls with one key within 50 ms: the first goes at once, then one trailing with the latest value", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		expect(DEFAULT_OPTIONS.signalThrottleMs).toBe(50);
		const outcomes = [];
		for (let n = 0; n < 10; n += 1) {
			if (n > 0) await settle(5);
			outcomes.push(recorded.client.signal({ typing: n }, { key: "typing" }));
		}
		expect(outcomes).toEqual(["sent", ...Array(9).fill("queued")]);
		expect(values(socket)).toEqual([{ typing: 0 }]);
		await settle(5);
		expect(values(socket)).toEqual([{ typing: 0 }, { typing: 9 }]);
		await settle(500);
		expect(values(socket)).toHaveLength(2);
		// Never handed back to us: the room relays a signal to the other connections only.
		expect(recorded.signals).toEqual([]);
	});

	it("a steady stream goes once per window, and a call after a quiet window goes at once", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		for (let n = 0; n < 20; n += 1) {
			recorded.client.signal(n, { key: "cursor", throttleMs: 100 });
			await settle(10);
		}
		// Calls at 0, 10, …, 190 ms: the first at once, then the latest before 100 ms, then the last.
		await settle(100);
		expect(values(socket)).toEqual([0, 9, 19]);
		await settle(100);
		expect(recorded.client.signal("again", { key: "cursor", throttleMs: 100 })).toBe("sent");
	});

	it("keys are independent, `to` goes in the frame, and the latest call for a key sets its `to`", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		expect(recorded.client.signal("a", { key: "typing" })).toBe("sent");
		expect(recorded.client.signal("b", { key: "cursor", to: "bob" })).toBe("sent");
		expect(recorded.client.signal("c", { key: "typing", to: "bob" })).toBe("queued");
		expect(recorded.client.signal("d", { key: "typing", to: "carol" })).toBe("queued");
		await settle(50);
		expect(signalData(socket)).toEqual([{ signal: "a" }, { signal: "b", to: "bob" }, { signal: "d", to: "carol" }]);
	});

	it("unkeyed signals each go, in order, with a request id each", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		const outcomes = [1, 2, 3, 4, 5].map((n) => recorded.client.signal({ reaction: n }));
		expect(outcomes).toEqual(Array(5).fill("sent"));
		expect(values(socket)).toEqual([1, 2, 3, 4, 5].map((n) => ({ reaction: n })));
		const ids = signalFrames(socket).map((frame) => frame.requestId);
		expect(new Set(ids).size).toBe(5);
	});

	it("is dropped while not in the room, and what waited is not sent after the reconnect", async () => {
		const recorded = startClient();
		expect(recorded.client.signal("before connect")).toBe("dropped");
		const socket = await joined(recorded);
		recorded.client.signal("first", { key: "typing" });
		expect(recorded.client.signal("trailing", { key: "typing" })).toBe("queued");
		socket.drop();
		expect(recorded.client.signal("while reconnecting")).toBe("dropped");
		expect(recorded.client.signal("keyed, while reconnecting", { key: "typing" })).toBe("dropped");
		const next = await rejoined(1_000);
		await settle(1_000);
		expect(values(socket)).toEqual(["first"]);
		expect(signalFrames(next)).toEqual([]);

		const left = recorded.client.unregister();
		expect(recorded.client.signal("leaving")).toBe("dropped");
		next.receive(unregistered(next.lastFrame().requestId));
		await left;
		expect(recorded.client.signal("out of the room")).toBe("dropped");
		await recorded.client.close();
		expect(recorded.client.signal("closed")).toBe("dropped");
		expect(signalFrames(next)).toEqual([]);
	});

	it("throws NOT_JSON for a value JSON cannot carry", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		const cyclic: { self?: unknown } = {};
		cyclic.self = cyclic;
		for (const value of [undefined, () => 1, cyclic, 1n]) {
			expect(() => recorded.client.signal(value)).toThrow(expect.objectContaining({ code: "NOT_JSON" }));
		}
		expect(signalFrames(socket)).toEqual([]);
	});

	it("emits another's Signal as a typed `signal` event", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		socket.receive(signalFrame("bob", { typing: true }));
		socket.receive(signalFrame("carol", "psst", "alice"));
		expect(recorded.signals).toEqual([
			{ from: { userId: "bob", name: "bob" }, signal: { typing: true }, sentAt: 2_000 },
			{ from: { userId: "carol", name: "carol" }, signal: "psst", sentAt: 2_000, to: "alice" },
		]);
		expect(recorded.messages).toEqual([]);
	});

	it("a RATE_LIMITED signal is dropped, not retried, and empties the pacer; another refusal is an `error` event", async () => {
		const recorded = startClient();
		const socket = await joined(recorded, {}, { eventsPerSecond: 5, burst: 40, maxMessageBytes: 65_536 });
		recorded.client.signal("too fast");
		socket.receive(error(socket.lastFrame().requestId, "RATE_LIMITED"));
		expect(recorded.errors).toEqual([]);
		// The room's bucket is empty, so ours is too: the next event waits for a token (200 ms).
		recorded.client.send("next").catch(() => {});
		expect(socket.lastFrame().event).toBe("Signal");
		await settle(200);
		expect(socket.lastFrame().event).toBe("SendMessage");
		await settle(2_000);
		expect(values(socket)).toEqual(["too fast"]);

		await settle(10_000);
		recorded.client.signal("hi", { to: "nobody" });
		const requestId = socket.lastFrame().requestId;
		socket.receive(error(requestId, "USER_NOT_FOUND"));
		expect(recorded.errors.map((failure) => [failure.code, failure.requestId])).toEqual([
			["USER_NOT_FOUND", requestId],
		]);
	});

	it("a RATE_LIMITED keyed signal with nothing newer goes again behind the pace, with its `to`: the last value is not lost", async () => {
		const recorded = startClient();
		const socket = await joined(recorded, {}, { eventsPerSecond: 5, burst: 40, maxMessageBytes: 65_536 });
		recorded.client.signal({ typing: true }, { key: "typing" });
		await settle(1_000);
		expect(recorded.client.signal({ typing: false }, { key: "typing", to: "bob" })).toBe("sent");
		socket.receive(error(socket.lastFrame().requestId, "RATE_LIMITED"));
		expect(recorded.errors).toEqual([]);
		// The room's bucket is empty, so ours is too: the copy waits for a token (200 ms).
		expect(signalFrames(socket)).toHaveLength(2);
		await settle(200);
		const again = { signal: { typing: false }, to: "bob" };
		expect(signalData(socket)).toEqual([{ signal: { typing: true } }, again, again]);
		expect(new Set(signalFrames(socket).map((frame) => frame.requestId)).size).toBe(3);
		socket.receive(error(socket.lastFrame().requestId, "RATE_LIMITED"));
		await settle(200);
		expect(signalData(socket)).toEqual([{ signal: { typing: true } }, again, again, again]);
		await settle(5_000);
		expect(signalFrames(socket)).toHaveLength(4);
	});

	it("a RATE_LIMITED keyed signal is not sent again when a newer value for its key waits or went after it", async () => {
		const recorded = startClient();
		const socket = await joined(recorded, {}, { eventsPerSecond: 5, burst: 40, maxMessageBytes: 65_536 });
		recorded.client.signal("a", { key: "cursor" });
		const a = socket.lastFrame().requestId;
		expect(recorded.client.signal("b", { key: "cursor" })).toBe("queued");
		socket.receive(error(a, "RATE_LIMITED"));
		await settle(1_000);
		expect(values(socket)).toEqual(["a", "b"]);

		recorded.client.signal("c", { key: "cursor" });
		const c = socket.lastFrame().requestId;
		await settle(100);
		expect(recorded.client.signal("d", { key: "cursor" })).toBe("sent");
		socket.receive(error(c, "RATE_LIMITED"));
		await settle(1_000);
		expect(values(socket)).toEqual(["a", "b", "c", "d"]);
	});

	it("a RATE_LIMITED keyed signal answered once the client is leaving the room is dropped", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		recorded.client.signal({ typing: false }, { key: "typing" });
		const typing = socket.lastFrame().requestId;
		const left = recorded.client.unregister();
		socket.receive(error(typing, "RATE_LIMITED"));
		socket.receive(unregistered(socket.lastFrame().requestId));
		await left;
		const back = recorded.client.register();
		socket.receive(registered(socket.lastFrame().requestId));
		await back;
		await settle(5_000);
		expect(values(socket)).toEqual([{ typing: false }]);
		expect(recorded.errors).toEqual([]);
	});

	it("at most signalQueueLimit unkeyed signals wait for the pace; one past it is dropped", async () => {
		const recorded = startClient({ signalQueueLimit: 3 });
		const socket = await joined(recorded, {}, { eventsPerSecond: 5, burst: 2, maxMessageBytes: 65_536 });
		const outcomes = [1, 2, 3, 4, 5, 6].map((n) => recorded.client.signal(n));
		// The Register took one token of two: one goes, three wait, two are dropped.
		expect(outcomes).toEqual(["sent", "queued", "queued", "queued", "dropped", "dropped"]);
		await settle(600);
		expect(values(socket)).toEqual([1, 2, 3, 4]);
		expect(FakeSocket.instances).toHaveLength(1);
	});
});
