import { describe, expect, it } from "vitest";
import { backoffDelay, DEFAULT_OPTIONS } from "../../src/client";
import { backoffWithinGrace } from "../../src/client/backoff";
import { type PaceLane, SendPacer } from "../../src/client/pacer";
import { mulberry32 } from "../support/prng";

describe("backoffDelay: exponential with full jitter", () => {
	const options = { baseMs: 1_000, maxMs: 30_000 };

	it("does not wait before the first connection", () => {
		expect(backoffDelay(0, options, () => 0.99)).toBe(0);
	});

	it("draws uniformly below a ceiling that doubles per attempt and stops at maxMs", () => {
		const ceilings = [1, 2, 3, 4, 5, 6, 7, 10].map((attempt) => backoffDelay(attempt, options, () => 0.999_999));
		expect(ceilings).toEqual([999, 1_999, 3_999, 7_999, 15_999, 29_999, 29_999, 29_999]);
		expect(backoffDelay(3, options, () => 0)).toBe(0);
		expect(backoffDelay(3, options, () => 0.5)).toBe(2_000);
	});

	it("spreads a crowd: 1,000 clients' first retries cover the whole window", () => {
		const random = mulberry32(20261125);
		const delays = Array.from({ length: 1_000 }, () => backoffDelay(1, DEFAULT_OPTIONS.backoff, random));
		expect(Math.min(...delays)).toBeLessThan(50);
		expect(Math.max(...delays)).toBeGreaterThan(950);
		expect(delays.every((delay) => delay >= 0 && delay < 1_000)).toBe(true);
		// No two-thirds of the crowd land in the same tenth of the window.
		const buckets = new Array(10).fill(0);
		for (const delay of delays) buckets[Math.floor(delay / 100)] += 1;
		expect(Math.max(...buckets)).toBeLessThan(150);
	});

	it("stays finite for absurd attempt numbers", () => {
		expect(backoffDelay(10_000, options, () => 0.999_999)).toBe(29_999);
	});
});

/** A queue that always has something to write. */
const lane: PaceLane = { wantsTurn: () => true };

describe("SendPacer: the room's rate, on the client", () => {
	it("lets a burst through, then one send per interval", () => {
		let now = 0;
		const pacer = new SendPacer({ perSecond: 20, burst: 40 }, () => now);
		for (let i = 0; i < 40; i += 1) expect(pacer.take(lane)).toBe(0);
		expect(pacer.take(lane)).toBe(50);
		now += 50;
		expect(pacer.take(lane)).toBe(0);
		expect(pacer.take(lane)).toBe(50);
	});

	it("refills up to the burst only, and a clock going backwards refills nothing", () => {
		let now = 1_000_000;
		const pacer = new SendPacer({ perSecond: 10, burst: 3 }, () => now);
		for (let i = 0; i < 3; i += 1) pacer.take(lane);
		now += 60_000;
		for (let i = 0; i < 3; i += 1) expect(pacer.take(lane)).toBe(0);
		expect(pacer.take(lane)).toBeGreaterThan(0);
		now -= 5_000;
		expect(pacer.take(lane)).toBe(100);
	});

	it("adopting a room's rate keeps what this connection already spent", () => {
		let now = 0;
		const pacer = new SendPacer({ perSecond: 20, burst: 40 }, () => now);
		pacer.spend();
		pacer.adopt({ perSecond: 5, burst: 10 });
		for (let i = 0; i < 9; i += 1) expect(pacer.take(lane)).toBe(0);
		expect(pacer.take(lane)).toBe(200);
		now += 200;
		expect(pacer.take(lane)).toBe(0);
		// A new connection starts with the adopted burst.
		pacer.reset();
		for (let i = 0; i < 10; i += 1) expect(pacer.take(lane)).toBe(0);
		expect(pacer.take(lane)).toBe(200);
	});

	it("never waits when pacing is off", () => {
		const pacer = new SendPacer({ perSecond: Number.POSITIVE_INFINITY, burst: 0 }, () => 0);
		for (let i = 0; i < 1_000; i += 1) expect(pacer.take(lane)).toBe(0);
	});

	it("lanes refused a token take turns: the next token goes to the one that asked first", () => {
		let now = 0;
		const pacer = new SendPacer({ perSecond: 10, burst: 1 }, () => now);
		const first: PaceLane = { wantsTurn: () => true };
		const second: PaceLane = { wantsTurn: () => true };
		expect(pacer.take(first)).toBe(0);
		expect(pacer.take(first)).toBe(100);
		expect(pacer.take(second)).toBe(200);
		now += 100;
		// The token is first's: second, asking at once, waits behind it.
		expect(pacer.take(second)).toBe(100);
		expect(pacer.take(first)).toBe(0);
		expect(pacer.take(first)).toBe(200);
		now += 100;
		expect(pacer.take(second)).toBe(0);
	});

	it("a lane with nothing to write any more loses its turn", () => {
		let now = 0;
		const pacer = new SendPacer({ perSecond: 10, burst: 1 }, () => now);
		let waiting = true;
		const gone: PaceLane = { wantsTurn: () => waiting };
		pacer.take(lane);
		expect(pacer.take(gone)).toBe(100);
		waiting = false;
		now += 100;
		expect(pacer.take(lane)).toBe(0);
	});

	it("a RATE_LIMITED drains the bucket", () => {
		const pacer = new SendPacer({ perSecond: 10, burst: 5 }, () => 0);
		pacer.drain();
		expect(pacer.take(lane)).toBe(100);
	});
});

describe("backoffWithinGrace: reconnects land while the room holds our place", () => {
	const backoff = { baseMs: 1000, maxMs: 30_000 };

	it("caps the ceiling at half of what is left of the grace", () => {
		expect(backoffWithinGrace(backoff, 10_000, 0)).toEqual({ baseMs: 1000, maxMs: 5000 });
		expect(backoffWithinGrace(backoff, 10_000, 6000)).toEqual({ baseMs: 1000, maxMs: 2000 });
	});

	it("never below a quarter second, and never above the usual ceiling", () => {
		expect(backoffWithinGrace(backoff, 10_000, 9900).maxMs).toBe(250);
		expect(backoffWithinGrace({ baseMs: 100, maxMs: 1000 }, 10_000, 0).maxMs).toBe(1000);
	});

	it("is the usual backoff without a grace, or once it is over", () => {
		expect(backoffWithinGrace(backoff, 0, 0)).toBe(backoff);
		expect(backoffWithinGrace(backoff, 10_000, 10_000)).toBe(backoff);
		expect(backoffWithinGrace(backoff, 10_000, Number.POSITIVE_INFINITY)).toBe(backoff);
	});
});
