/**
 * (1.4) A sink's cursor: the EVENTS_BACKLOG bound drops the oldest and counts them, the next
 * delivered event carries the count, and a failure waits for the schedule.
 */
import { describe, expect, it } from "vitest";
import {
	afterDelivery,
	afterFailure,
	attemptOf,
	boundBacklog,
	freshCursor,
	giveUpThrough,
	hasPending,
} from "../../src/room/events/cursor";
import { retryDelay } from "../../src/room/events/schedule";

describe("boundBacklog", () => {
	it("leaves a cursor within the bound as it is (the same object)", () => {
		const cursor = freshCursor(0);
		expect(boundBacklog(cursor, 10, 10)).toBe(cursor);
	});

	it("drops the oldest past the bound and counts them", () => {
		expect(boundBacklog(freshCursor(0), 13, 10)).toEqual({ done: 3, dropped: 3, failures: 0, retryAt: 0 });
		const again = boundBacklog({ done: 3, dropped: 3, failures: 2, retryAt: 99 }, 14, 10);
		expect(again).toEqual({ done: 4, dropped: 4, failures: 2, retryAt: 99 });
	});

	it("keeps exactly the bound waiting however far the room got", () => {
		const cursor = boundBacklog(freshCursor(7), 1_000_007, 10_000);
		expect(1_000_007 - cursor.done).toBe(10_000);
		expect(cursor.dropped).toBe(990_000);
	});
});

describe("a try", () => {
	it("carries the drops not yet reported on its first event, and clears them once delivered", () => {
		const cursor = boundBacklog(freshCursor(0), 15, 10);
		const attempt = attemptOf(cursor, 9);
		expect(attempt).toEqual({ from: 6, through: 9, dropped: 5 });
		expect(afterDelivery(cursor, attempt)).toEqual({ done: 9, dropped: 0, failures: 0, retryAt: 0 });
	});

	it("keeps drops made while it was on its way for the next one", () => {
		const start = freshCursor(0);
		const attempt = attemptOf(start, 5);
		// Meanwhile the room wrote up to 20 with a bound of 10: 1–10 dropped, of which 1–5 were on their way.
		const meanwhile = boundBacklog(start, 20, 10);
		expect(meanwhile).toMatchObject({ done: 10, dropped: 10 });
		// 1–5 arrived: only 6–10 are lost.
		expect(afterDelivery(meanwhile, attempt)).toEqual({ done: 10, dropped: 5, failures: 0, retryAt: 0 });
	});

	it("counts a reported drop once, even when more drops came while it was on its way", () => {
		const cursor = { done: 3, dropped: 3, failures: 0, retryAt: 0 };
		const attempt = attemptOf(cursor, 6);
		const meanwhile = boundBacklog(cursor, 30, 20);
		expect(meanwhile).toMatchObject({ done: 10, dropped: 10 });
		// 3 reported; 4–6 arrived though dropped; 7–10 lost.
		expect(afterDelivery(meanwhile, attempt).dropped).toBe(4);
	});

	it("waits for the schedule after a failure, keeping its events and drops", () => {
		const cursor = { done: 4, dropped: 2, failures: 0, retryAt: 0 };
		const once = afterFailure(cursor, 1000, 0.5);
		expect(once).toEqual({ done: 4, dropped: 2, failures: 1, retryAt: 1000 + retryDelay(1, 0.5) });
		const twice = afterFailure(once, 9000, 0.5);
		expect(twice).toMatchObject({ failures: 2, retryAt: 9000 + retryDelay(2, 0.5) });
		expect(afterDelivery(twice, attemptOf(twice, 8))).toEqual({ done: 8, dropped: 0, failures: 0, retryAt: 0 });
	});

	it("gives up on events up to a seq, counting them as dropped", () => {
		const cursor = { done: 4, dropped: 1, failures: 9, retryAt: 5 };
		expect(giveUpThrough(cursor, 10)).toEqual({ done: 10, dropped: 7, failures: 9, retryAt: 5 });
		expect(giveUpThrough(cursor, 3)).toBe(cursor);
	});

	it("knows when events wait", () => {
		expect(hasPending(freshCursor(3), 3)).toBe(false);
		expect(hasPending(freshCursor(3), 4)).toBe(true);
	});
});
