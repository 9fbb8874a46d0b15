/**
 * The benchmark's p99 ratios average ours/bare over paired turns with a trimmed geometric mean,
 * so that a stall that set one turn's p99 does not set the figure.
 */
import { describe, expect, it } from "vitest";
import { pooledRatio, trimmedGeometricMean } from "../../bench/load/stats";

describe("trimmedGeometricMean", () => {
	it("averages ratios geometrically: 2 and 0.5 cancel", () => {
		expect(trimmedGeometricMean([2, 0.5])).toBeCloseTo(1, 12);
		expect(trimmedGeometricMean([1.2, 1.2, 1.2])).toBeCloseTo(1.2, 12);
	});

	it("leaves out a fifth at either end: one stalled turn in ten does not move it", () => {
		const steady = [1.1, 1.2, 1.15, 1.18, 1.12, 1.2, 1.1, 1.16, 1.14];
		const withStall = [...steady, 9];
		const withFastStall = [...steady, 0.05];
		expect(trimmedGeometricMean(withStall)).toBeLessThan(1.2);
		expect(trimmedGeometricMean(withFastStall)).toBeGreaterThan(1.1);
		// untrimmed, the same stall moves it by a fifth
		expect(trimmedGeometricMean(withStall, 0)).toBeGreaterThan(1.35);
	});

	it("skips what is not a positive finite ratio, and is null when nothing is left", () => {
		expect(trimmedGeometricMean([null, undefined, Number.NaN, 0, -1, 4])).toBe(4);
		expect(trimmedGeometricMean([])).toBeNull();
		expect(trimmedGeometricMean([null])).toBeNull();
	});
});

describe("pooledRatio", () => {
	const step = (delivered: number, seconds: number) => ({ delivered, seconds });

	it("weighs each step by its length, unlike a mean of the steps' rates", () => {
		// 1,000/s for 1 s and 3,000/s for 3 s: 10,000 in 4 s, not the mean rate 2,000.
		const steps = [step(1_000, 1), step(9_000, 3)];
		expect(
			pooledRatio(
				steps,
				(s) => s.delivered,
				(s) => s.seconds,
			),
		).toBe(2_500);
	});

	it("is null without any step, or when the steps add up to no time", () => {
		const rate = (steps: { delivered: number; seconds: number }[]) =>
			pooledRatio(
				steps,
				(s) => s.delivered,
				(s) => s.seconds,
			);
		expect(rate([])).toBeNull();
		expect(rate([step(5, 0)])).toBeNull();
	});
});
