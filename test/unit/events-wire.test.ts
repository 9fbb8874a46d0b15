/** (1.4) An event as it goes out, and how many events one try of a sink carries. */
import { describe, expect, it } from "vitest";
import { eventJson } from "../../src/room/events/delivery";
import type { OutboxRow } from "../../src/room/events/outbox";
import { type EventSink, fitInTry } from "../../src/room/events/sinks";

const row: OutboxRow = {
	seq: 7,
	id: "evt_1",
	type: "user.joined",
	at: 1_700_000_000_000,
	data: '{"user":{"userId":"ann"}}',
};

describe("eventJson", () => {
	it("writes the contract's fields in its order, the stored data as it is", () => {
		const event = JSON.parse(eventJson(row, "lobby", 0));
		expect(Object.keys(event)).toEqual(["id", "type", "room", "seq", "at", "data"]);
		expect(event).toEqual({
			id: "evt_1",
			type: "user.joined",
			room: "lobby",
			seq: 7,
			at: 1_700_000_000_000,
			data: { user: { userId: "ann" } },
		});
	});

	it("adds dropped last, only when some were lost", () => {
		expect(JSON.parse(eventJson(row, "lobby", 3))).toMatchObject({ seq: 7, dropped: 3 });
		expect(Object.keys(JSON.parse(eventJson(row, "lobby", 3))).at(-1)).toBe("dropped");
	});
});

describe("fitInTry", () => {
	const sink = (maxEvents: number, maxBytes: number): EventSink => ({
		name: "test",
		maxEvents,
		maxBytes,
		tryGapMs: 0,
		send: async () => {},
	});

	it("carries at most maxEvents", () => {
		expect(fitInTry(sink(3, 1000), ["1", "2", "3", "4"])).toBe(3);
	});

	it("carries at most maxBytes of UTF-8, counting a separator each", () => {
		expect(fitInTry(sink(100, 10), ["aaaa", "bbbb", "cccc"])).toBe(2);
		expect(fitInTry(sink(100, 8), ["ééé", "x"])).toBe(1);
	});

	it("always carries one event, however large", () => {
		expect(fitInTry(sink(100, 4), ["a much larger event"])).toBe(1);
	});
});
