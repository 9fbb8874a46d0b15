import { describe, expect, it } from "vitest";
import { HEARTBEAT } from "../../src/protocol";
import { isIdle, lastActivity, MIN_CHECK_INTERVAL_MS, nextCheckAt } from "../../src/room/liveness";

const TIMEOUT = HEARTBEAT.timeoutMs;

describe("MIN_CHECK_INTERVAL_MS", () => {
	it("is 30 seconds", () => {
		expect(MIN_CHECK_INTERVAL_MS).toBe(30_000);
	});

	it("is shorter than the idle timeout, so a silent client is caught within timeout + interval", () => {
		expect(MIN_CHECK_INTERVAL_MS).toBeLessThan(TIMEOUT);
	});
});

describe("lastActivity", () => {
	it("is lastSeenAt when the runtime never auto-responded (null)", () => {
		expect(lastActivity(5000, null)).toBe(5000);
	});

	it("is the ping time when a ping is newer than the last frame", () => {
		expect(lastActivity(5000, new Date(9000))).toBe(9000);
	});

	it("is lastSeenAt when the last ping is older than the last frame", () => {
		expect(lastActivity(9000, new Date(5000))).toBe(9000);
	});

	it("is that time when both are equal", () => {
		expect(lastActivity(7000, new Date(7000))).toBe(7000);
	});

	it("works with real epoch times", () => {
		const seen = Date.UTC(2025, 0, 1, 12, 0, 0);
		const ping = new Date(seen + 20_000);
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
		expect(isIdle(lastActivity(0, new Date(lastPing)), now, TIMEOUT)).toBe(false);
	});
});

describe("nextCheckAt", () => {
	const now = 1_000_000;

	it("is undefined when nothing is connected", () => {
		expect(nextCheckAt([], now, TIMEOUT)).toBeUndefined();
	});

	it("is undefined for an empty iterator", () => {
		expect(nextCheckAt(new Set<number>().values(), now, TIMEOUT)).toBeUndefined();
	});

	it("is the expiry of the only connection when that is far enough away", () => {
		expect(nextCheckAt([now], now, TIMEOUT)).toBe(now + TIMEOUT);
	});

	it("is the earliest expiry of several connections", () => {
		const times = [now - 5000, now - 20_000, now - 1000];
		expect(nextCheckAt(times, now, TIMEOUT)).toBe(now - 20_000 + TIMEOUT);
	});

	it("does not depend on the order of the connections", () => {
		const times = [now - 1000, now - 20_000, now - 5000];
		expect(nextCheckAt(times, now, TIMEOUT)).toBe(nextCheckAt([...times].reverse(), now, TIMEOUT));
	});

	it("is never sooner than now + 30 s when the earliest expiry is closer", () => {
		// Expires in 10 s.
		expect(nextCheckAt([now - TIMEOUT + 10_000], now, TIMEOUT)).toBe(now + MIN_CHECK_INTERVAL_MS);
	});

	it("is now + 30 s when a connection has already expired", () => {
		expect(nextCheckAt([now - 10 * TIMEOUT], now, TIMEOUT)).toBe(now + MIN_CHECK_INTERVAL_MS);
	});

	it("is exactly now + 30 s when the earliest expiry is exactly then", () => {
		expect(nextCheckAt([now + MIN_CHECK_INTERVAL_MS - TIMEOUT], now, TIMEOUT)).toBe(now + MIN_CHECK_INTERVAL_MS);
	});

	it("is the expiry when it is one millisecond after now + 30 s", () => {
		const at = now + MIN_CHECK_INTERVAL_MS + 1 - TIMEOUT;
		expect(nextCheckAt([at], now, TIMEOUT)).toBe(now + MIN_CHECK_INTERVAL_MS + 1);
	});

	it("accepts any iterable, such as a generator", () => {
		function* times() {
			yield now;
			yield now - 10_000;
		}
		expect(nextCheckAt(times(), now, TIMEOUT)).toBe(now - 10_000 + TIMEOUT);
	});

	it("is never earlier than now + 30 s for any input (sweep)", () => {
		for (let offset = -2 * TIMEOUT; offset <= TIMEOUT; offset += 997) {
			const at = nextCheckAt([now + offset], now, TIMEOUT);
			expect(at).toBeGreaterThanOrEqual(now + MIN_CHECK_INTERVAL_MS);
			expect(at).toBe(Math.max(now + offset + TIMEOUT, now + MIN_CHECK_INTERVAL_MS));
		}
	});
});
