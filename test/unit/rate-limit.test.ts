import { describe, expect, it } from "vitest";
import { fullBucket, type RateBucket, ratePolicy, takeToken } from "../../src/room/rate-limit";

const policy = ratePolicy(20);

/** Runs events at the given times; returns the verdicts and the final bucket. */
function run(times: number[], start: RateBucket = fullBucket(policy, 0)) {
	let bucket = start;
	const verdicts = times.map((now) => {
		const result = takeToken(bucket, policy, now);
		bucket = result.bucket;
		return result.verdict;
	});
	return { verdicts, bucket };
}

describe("token bucket", () => {
	it("is the contract's policy: 20 per second, bursts of 40, closed after 100 dropped in a row", () => {
		expect(policy).toEqual({ rate: 20, burst: 40, closeAfter: 100, forgiveAfterMs: 1000 });
	});

	it("admits a burst of 40 at once, then drops", () => {
		const { verdicts } = run(Array(45).fill(0));
		expect(verdicts.slice(0, 40)).toEqual(Array(40).fill("admit"));
		expect(verdicts.slice(40)).toEqual(Array(5).fill("drop"));
	});

	it("refills at the rate: one event per 50 ms after the burst", () => {
		const burst = run(Array(40).fill(0));
		const { verdicts } = run([10, 49, 50, 60, 100, 101], burst.bucket);
		expect(verdicts).toEqual(["drop", "drop", "admit", "drop", "admit", "drop"]);
	});

	it("sustains exactly the rate: 20 per second for a minute, evenly spaced, all admitted", () => {
		const times = Array.from({ length: 20 * 60 }, (_, i) => 1000 + i * 50);
		const { verdicts } = run(times, { tokens: 0, at: 1000, dropped: 0, droppedAt: 0 });
		// The first has no token yet (the bucket was empty at 1000); every later one has exactly one.
		expect(verdicts.filter((v) => v === "admit")).toHaveLength(times.length - 1);
	});

	it("never holds more than the burst after a long quiet spell", () => {
		const { verdicts } = run([...Array(40).fill(0), ...Array(41).fill(3_600_000)]);
		expect(verdicts.filter((v) => v === "admit")).toHaveLength(80);
		expect(verdicts.at(-1)).toBe("drop");
	});

	it("closes on the 100th drop in a row", () => {
		const { verdicts } = run(Array(140).fill(0));
		expect(verdicts.slice(40, 139)).toEqual(Array(99).fill("drop"));
		expect(verdicts[139]).toBe("close");
	});

	it("closes a flood slower than the refill too: events admitted in between do not end the row", () => {
		// 200 events per second: one in ten is admitted, the row of drops goes on.
		const times = Array.from({ length: 40 + 200 }, (_, i) => (i < 40 ? 0 : (i - 40) * 5));
		const { verdicts } = run(times);
		const closedAt = verdicts.indexOf("close");
		expect(closedAt).toBeGreaterThan(40 + 100);
		expect(verdicts.slice(40, closedAt)).toContain("admit");
		expect(verdicts.slice(40, closedAt + 1).filter((v) => v !== "admit")).toHaveLength(100);
	});

	it("a second without a drop ends the row: a client that backs off starts again from zero", () => {
		const flood = run(Array(40 + 99).fill(0));
		expect(flood.bucket.dropped).toBe(99);
		const soon = run([50], flood.bucket);
		expect(soon.verdicts).toEqual(["admit"]);
		expect(soon.bucket.dropped).toBe(99);
		const later = run([1000, 1000], flood.bucket);
		expect(later.bucket.dropped).toBe(0);
		// A second refilled 20 tokens: of 41 events, 20 are admitted and the row restarts at 21, not 99 + 21.
		expect(run(Array(41).fill(1000), flood.bucket).bucket.dropped).toBe(21);
	});

	it("treats a clock that goes backwards as no time passing", () => {
		const { verdicts, bucket } = run([...Array(40).fill(1000), 500, 1000, 1050]);
		expect(verdicts.slice(40)).toEqual(["drop", "drop", "admit"]);
		expect(bucket.at).toBe(1050);
	});

	it("does not mutate the bucket it is given", () => {
		const bucket = fullBucket(policy, 0);
		takeToken(bucket, policy, 0);
		expect(bucket).toEqual({ tokens: 40, at: 0, dropped: 0, droppedAt: 0 });
	});
});
