import { describe, expect, it } from "vitest";
import { HEARTBEAT } from "../../src/protocol";
import { isIdle, lastActivity, SWEEP_THROTTLE_MS, sweepDue } from "../../src/room/liveness";

const TIMEOUT = HEARTBEAT.timeoutMs;

describe("SWEEP_THROTTLE_MS", () => {
	it("is 10 seconds", () => {
		expect(SWEEP_THROTTLE_MS).toBe(10_000);
	});

	it("is well under the idle timeout, so a busy room reaps a silent client within timeout + 10 s", () => {
		expect(SWEEP_THROTTLE_MS).toBeLessThan(TIMEOUT / 2);
	});
});

describe("lastActivity", () => {
	it("is lastSeenAt when the runtime never auto-responded (null)", () => {
		expect(lastActivity(5000, undefined)).toBe(5000);
	});

	it("is the ping time when a ping is newer than the last frame", () => {
		expect(lastActivity(5000, 9000)).toBe(9000);
	});

	it("is lastSeenAt when the last ping is older than the last frame", () => {
		expect(lastActivity(9000, 5000)).toBe(9000);
	});

	it("is that time when both are equal", () => {
		expect(lastActivity(7000, 7000)).toBe(7000);
	});

	it("works with real epoch times", () => {
		const seen = Date.UTC(2025, 0, 1, 12, 0, 0);
		const ping = seen + 20_000;
		expect(lastActivity(seen, ping)).toBe(seen + 20_000);
	});
});

describe("isIdle", () => {
	it("is false right after activity", () => {
		expect(isIdle(1000, 1000, TIMEOUT)).toBe(false);
	});

	it("is false one millisecond before the timeout", () => {
		expect(isIdle(1000, 1000 + TIMEOUT - 1, TIMEOUT)).toBe(false);
	});

	it("is true at exactly the timeout", () => {
		expect(isIdle(1000, 1000 + TIMEOUT, TIMEOUT)).toBe(true);
	});

	it("is true after the timeout", () => {
		expect(isIdle(1000, 1000 + TIMEOUT + 1, TIMEOUT)).toBe(true);
	});

	it("is false when activity is in the future (clock skew)", () => {
		expect(isIdle(2000, 1000, TIMEOUT)).toBe(false);
	});

	it("uses the timeout it is given", () => {
		expect(isIdle(0, 10, 10)).toBe(true);
		expect(isIdle(0, 9, 10)).toBe(false);
	});

	it("does not count a client that pings every 20 s as idle", () => {
		const now = 1_000_000;
		const lastPing = now - HEARTBEAT.intervalMs;
		expect(isIdle(lastActivity(0, lastPing), now, TIMEOUT)).toBe(false);
	});
});

describe("sweepDue", () => {
	const now = 1_000_000;

	it("is true on an instance's first event, which may follow a long sleep", () => {
		expect(sweepDue(undefined, now)).toBe(true);
	});

	it("is false right after a sweep", () => {
		expect(sweepDue(now, now)).toBe(false);
	});

	it("is false one millisecond before the throttle has passed", () => {
		expect(sweepDue(now, now + SWEEP_THROTTLE_MS - 1)).toBe(false);
	});

	it("is true once the throttle has passed, and after", () => {
		expect(sweepDue(now, now + SWEEP_THROTTLE_MS)).toBe(true);
		expect(sweepDue(now, now + 10 * TIMEOUT)).toBe(true);
	});

	it("is false when the clock went backwards", () => {
		expect(sweepDue(now, now - 5000)).toBe(false);
	});

	it("sweeps a room handling one event per millisecond once per throttle interval", () => {
		let lastSweepAt: number | undefined;
		let sweeps = 0;
		for (let t = now; t < now + 60_000; t++) {
			if (!sweepDue(lastSweepAt, t)) continue;
			sweeps++;
			lastSweepAt = t;
		}
		expect(sweeps).toBe(60_000 / SWEEP_THROTTLE_MS);
	});
});
