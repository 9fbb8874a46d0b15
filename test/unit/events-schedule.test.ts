/** (1.4) When a failing sink tries again: growing delays, spread, and at least 24 hours of tries. */
import { describe, expect, it } from "vitest";
import {
	FIRST_RETRY_MS,
	GIVE_UP_AFTER_MS,
	gapWait,
	giveUpBefore,
	LONGEST_RETRY_MS,
	nextTry,
	retryDelay,
} from "../../src/room/events/schedule";

const HOUR = 60 * 60 * 1000;

describe("retryDelay", () => {
	it("grows from 5 s, tripled each time, up to an hour", () => {
		const plain = [1, 2, 3, 4, 5, 6, 7, 8, 20].map((failures) => retryDelay(failures, 0.5));
		expect(plain).toEqual([5_000, 15_000, 45_000, 135_000, 405_000, 1_215_000, 3_600_000, 3_600_000, 3_600_000]);
		for (let i = 1; i < plain.length; i++) expect(plain[i]).toBeGreaterThanOrEqual(plain[i - 1] as number);
	});

	it("spreads each delay by a quarter either way, by the chance given", () => {
		expect(retryDelay(1, 0)).toBe(0.75 * FIRST_RETRY_MS);
		expect(retryDelay(1, 0.999_999)).toBeCloseTo(1.25 * FIRST_RETRY_MS, -1);
		expect(retryDelay(30, 1)).toBe(1.25 * LONGEST_RETRY_MS);
		// Whatever the chance source says, the delay stays within the spread.
		expect(retryDelay(1, Number.NaN)).toBe(0.75 * FIRST_RETRY_MS);
		expect(retryDelay(1, 7)).toBe(1.25 * FIRST_RETRY_MS);
	});

	it("takes a first failure for any count below it, and never overflows", () => {
		expect(retryDelay(0, 0.5)).toBe(FIRST_RETRY_MS);
		expect(retryDelay(-3, 0.5)).toBe(FIRST_RETRY_MS);
		expect(retryDelay(Number.MAX_SAFE_INTEGER, 0.5)).toBe(LONGEST_RETRY_MS);
	});
});

describe("the schedule as a whole", () => {
	it.each([0, 0.5, 1])("keeps trying for more than 24 hours before an event is given up on (chance %d)", (chance) => {
		let now = 0;
		let failures = 0;
		const tries: number[] = [];
		// An event written at 0 that never gets through: every try up to the give-up.
		while (now < 24 * HOUR) {
			failures++;
			now = nextTry(now, failures, chance);
			tries.push(now);
		}
		expect(GIVE_UP_AFTER_MS).toBeGreaterThan(24 * HOUR);
		expect(giveUpBefore(now)).toBeLessThan(0);
		expect(tries.length).toBeGreaterThanOrEqual(20);
		// At most an hour and a quarter apart: a receiver that comes back is tried within that.
		for (let i = 1; i < tries.length; i++) {
			expect((tries[i] as number) - (tries[i - 1] as number)).toBeLessThanOrEqual(1.25 * LONGEST_RETRY_MS);
		}
	});

	it("gives up on an event only once it has waited three days", () => {
		const writtenAt = 1_000_000;
		expect(writtenAt < giveUpBefore(writtenAt + GIVE_UP_AFTER_MS)).toBe(false);
		expect(writtenAt < giveUpBefore(writtenAt + GIVE_UP_AFTER_MS + 1)).toBe(true);
		expect(GIVE_UP_AFTER_MS).toBe(72 * HOUR);
	});
});

describe("gapWait: a busy room's events share a webhook request", () => {
	it("lets the first try go at once, and the next only a gap after the last one started", () => {
		expect(gapWait(undefined, 100, 5_000)).toBeUndefined();
		expect(gapWait(5_000, 100, 5_000)).toBe(100);
		expect(gapWait(5_000, 100, 5_060)).toBe(40);
		expect(gapWait(5_000, 100, 5_100)).toBeUndefined();
		expect(gapWait(5_000, 100, 9_000)).toBeUndefined();
	});

	it("never holds a sink without a gap (the queue)", () => {
		expect(gapWait(5_000, 0, 5_000)).toBeUndefined();
	});
});
