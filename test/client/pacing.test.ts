/** Every client event is paced to the rate the room announces in ConnectionEstablished.limits. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { SendMessageData, SignalRequestData } from "../../src/protocol/types";
import type { FakeSocket } from "./fake-socket";
import { joined, rejoined, settle, startClient, updated } from "./harness";

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

const SLOW_ROOM = { eventsPerSecond: 5, burst: 10, maxMessageBytes: 65_536 };
const sends = (socket: FakeSocket) => socket.frames().filter((frame) => frame.event === "SendMessage");
const events = (socket: FakeSocket) => socket.frames().map((frame) => frame.event);

describe("pacing by the room's limits", () => {
	it("a 30-send flush goes as the room's burst (10 events, the Register one of them), then 5 a second", async () => {
		const recorded = startClient();
		const socket = await joined(recorded, {}, SLOW_ROOM);
		socket.drop();
		const sent = Array.from({ length: 30 }, (_, n) => recorded.client.send(n));
		for (const promise of sent) promise.catch(() => {});
		const next = await rejoined(1_000, {}, SLOW_ROOM);
		expect(events(next)).toHaveLength(10);
		expect(sends(next)).toHaveLength(9);
		await settle(1_000);
		expect(sends(next)).toHaveLength(14);
		await settle(2_000);
		expect(sends(next)).toHaveLength(24);
		await settle(1_200);
		const messages = sends(next).map((frame) => (frame.requestData as SendMessageData).message);
		expect(messages).toEqual(Array.from({ length: 30 }, (_, n) => n));
	});

	it("updates and sends draw on the same bucket", async () => {
		const recorded = startClient();
		const socket = await joined(recorded, {}, { ...SLOW_ROOM, burst: 3 });
		recorded.client.updateUser({ meta: { status: "away" } }).catch(() => {});
		recorded.client.send("one").catch(() => {});
		recorded.client.send("two").catch(() => {});
		expect(events(socket)).toEqual(["Register", "UpdateUser", "SendMessage"]);
		socket.receive(updated(socket.frames()[1]?.requestId));
		recorded.client.updateUser({ meta: { status: "here" } }).catch(() => {});
		// One token every 200 ms: the send that waited first goes first.
		await settle(199);
		expect(events(socket)).toHaveLength(3);
		await settle(1);
		expect(events(socket).at(-1)).toBe("SendMessage");
		await settle(200);
		expect(events(socket)).toEqual(["Register", "UpdateUser", "SendMessage", "SendMessage", "UpdateUser"]);
	});

	it("a `pace` given in the options is kept whatever the room announces", async () => {
		const recorded = startClient({ pace: { perSecond: 2, burst: 3 } });
		const socket = await joined(recorded);
		for (let n = 0; n < 5; n += 1) recorded.client.send(n).catch(() => {});
		expect(sends(socket)).toHaveLength(2);
		await settle(500);
		expect(sends(socket)).toHaveLength(3);
	});

	it("with a small bucket, a queue of sends and a stream of signals take turns: neither starves", async () => {
		const recorded = startClient();
		const socket = await joined(recorded, {}, { ...SLOW_ROOM, burst: 2 });
		for (let n = 0; n < 10; n += 1) recorded.client.send(n).catch(() => {});
		// A cursor moving for two seconds: a keyed signal every 20 ms.
		for (let tick = 0; tick < 100; tick += 1) {
			recorded.client.signal({ x: tick }, { key: "cursor" });
			await settle(20);
		}
		// The Register and the first send took the burst; since then, one token each 200 ms, in turns
		// (the sends asked first).
		const since = events(socket).slice(2);
		expect(since).toEqual(Array.from({ length: 9 }, (_, n) => (n % 2 === 0 ? "SendMessage" : "Signal")));
		// The cursor's value is the latest each time it goes, not a backlog.
		const cursor = socket.frames().filter((frame) => frame.event === "Signal");
		const xs = cursor.map((frame) => (frame.requestData as SignalRequestData).signal as { x: number });
		expect(xs.map((value) => value.x)).toEqual([20, 40, 60, 80]);
	});

	it("the other way round: sends made after a backlog of unkeyed signals go in turns with it", async () => {
		const recorded = startClient();
		const socket = await joined(recorded, {}, { ...SLOW_ROOM, burst: 1 });
		const outcomes = Array.from({ length: 20 }, (_, n) => recorded.client.signal({ reaction: n }));
		expect(outcomes.filter((outcome) => outcome === "queued")).toHaveLength(20);
		for (let n = 0; n < 3; n += 1) recorded.client.send(n).catch(() => {});
		await settle(1_200);
		expect(events(socket).slice(1)).toEqual([
			"Signal",
			"SendMessage",
			"Signal",
			"SendMessage",
			"Signal",
			"SendMessage",
		]);
		await settle(20_000);
		expect(sends(socket)).toHaveLength(3);
		expect(events(socket).filter((event) => event === "Signal")).toHaveLength(20);
	});
});
