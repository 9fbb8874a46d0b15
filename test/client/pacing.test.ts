/** Every client event is paced to the rate the room announces in ConnectionEstablished.limits. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { SendMessageData } from "../../src/protocol/types";
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
});
