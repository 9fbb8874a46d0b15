/**
 * (j) floods a room with every member just under its own rate limit: the schedule must keep each
 * member's pace, stop at its count, and never send a late loop's missed frames in one burst; every
 * `UpdateUser` of the flood must change the user (an unchanged one reaches nobody, and the load
 * would be lighter than it says); and a member must tell the flood's deliveries by their first bytes.
 */
import { describe, expect, it } from "vitest";
import { dueFrames, floodFrame, isFloodDelivery } from "../../bench/load/flood";

/** Runs a loop that wakes at each of `wakes` (ms), as the load loop does; what it sent and skipped. */
function run(wakes: number[], schedule: { perSecond: number; total: number; maxLateMs: number }) {
	let next = 0;
	let sent = 0;
	let skipped = 0;
	const bursts: number[] = [];
	for (const at of wakes) {
		const due = dueFrames(at, next, schedule);
		skipped += due.skip;
		sent += due.send;
		next += due.skip + due.send;
		bursts.push(due.send);
	}
	return { sent, skipped, bursts };
}

describe("dueFrames", () => {
	it("sends frame n at n / perSecond s: the first at once, 100 a second in all", () => {
		const schedule = { perSecond: 100, total: 1000, maxLateMs: 500 };
		expect(dueFrames(0, 0, schedule)).toEqual({ skip: 0, send: 1 });
		expect(dueFrames(9.9, 1, schedule)).toEqual({ skip: 0, send: 0 });
		expect(dueFrames(10, 1, schedule)).toEqual({ skip: 0, send: 1 });
		const everyTwoMs = Array.from({ length: 500 }, (_, i) => i * 2);
		expect(run(everyTwoMs, schedule).sent).toBe(100);
	});

	it("stops at the schedule's total, however long the loop runs", () => {
		const schedule = { perSecond: 1000, total: 250, maxLateMs: 500 };
		const wakes = Array.from({ length: 1000 }, (_, i) => i * 2);
		expect(run(wakes, schedule)).toMatchObject({ sent: 250, skipped: 0 });
		expect(dueFrames(10_000, 250, schedule)).toEqual({ skip: 0, send: 0 });
	});

	it("skips what is more than maxLateMs late instead of sending it in one burst", () => {
		// 20 members at 19/s: 380 frames a second; the loop stalls from 100 ms to 2,100 ms.
		const schedule = { perSecond: 380, total: 380 * 3, maxLateMs: 500 };
		const { sent, skipped, bursts } = run([0, 50, 100, 2100, 2150], schedule);
		expect(sent + skipped).toBe(Math.floor(2.15 * 380) + 1);
		// after the stall only the last half second's frames go: 190, about 9.5 per member
		expect(bursts[3]).toBe(191);
		// frames 39 (due at 102.6 ms) to 607 (1,597.4 ms, over 500 ms late at 2,100 ms) are skipped
		expect(skipped).toBe(607 - 39 + 1);
	});

	it("sends nothing before the start, and everything due when never late enough to skip", () => {
		const schedule = { perSecond: 10, total: 100, maxLateMs: Number.POSITIVE_INFINITY };
		expect(dueFrames(-1, 0, schedule)).toEqual({ skip: 0, send: 0 });
		expect(dueFrames(5000, 0, schedule)).toEqual({ skip: 0, send: 51 });
	});
});

describe("floodFrame", () => {
	it("is a Signal or an UpdateUser with a cursor", () => {
		expect(JSON.parse(floodFrame("signal", 5))).toEqual({
			eventType: "ClientEvent",
			event: "Signal",
			requestData: { signal: { cursor: { x: 5, y: 0 } } },
		});
		expect(JSON.parse(floodFrame("update", 1925))).toEqual({
			eventType: "ClientEvent",
			event: "UpdateUser",
			requestData: { meta: { cursor: { x: 5, y: 1 } } },
		});
	});

	it("moves each member's cursor from one frame to its next (frame n goes to member n mod members)", () => {
		for (const members of [20, 100, 1000]) {
			for (let n = 0; n < 20_000; n += 137) expect(floodFrame("update", n + members)).not.toBe(floodFrame("update", n));
		}
	});
});

describe("isFloodDelivery", () => {
	const frame = (event: string) => Buffer.from(`{"eventType":"ServerEvent","event":"${event}","data":{}}`);

	it("is a Signal or a UserUpdated, nothing else", () => {
		expect(isFloodDelivery(frame("Signal"))).toBe(true);
		expect(isFloodDelivery(frame("UserUpdated"))).toBe(true);
		for (const event of ["Message", "Updated", "UserJoined", "Error"])
			expect(isFloodDelivery(frame(event))).toBe(false);
		expect(isFloodDelivery(Buffer.from("pong"))).toBe(false);
	});
});
