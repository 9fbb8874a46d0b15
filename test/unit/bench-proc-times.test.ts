/**
 * The benchmark's server CPU per step: each thread's run time between two readings of schedstat,
 * to the nanosecond, whatever threads came or went in between.
 */
import { describe, expect, it } from "vitest";
import { cpuSecondsBetween, type ThreadTimes, threadTimes } from "../../bench/load/proc-times";

const times = (entries: [string, number][]): ThreadTimes =>
	new Map(entries.map(([tid, runNs]) => [tid, { runNs, waitNs: 0 }]));

describe("cpuSecondsBetween", () => {
	it("adds every thread's run time between the readings, without rounding to ticks", () => {
		const before = times([
			["1/1", 5_000_000_000],
			["1/2", 1_000_000_000],
		]);
		const after = times([
			["1/1", 5_123_456_789],
			["1/2", 1_000_000_001],
		]);
		expect(cpuSecondsBetween(before, after)).toBeCloseTo(0.12345679, 9);
	});

	it("counts a thread that started in between from zero, and leaves out one that ended", () => {
		const before = times([
			["1/1", 2_000_000_000],
			["1/9", 7_000_000_000],
		]);
		const after = times([
			["1/1", 2_100_000_000],
			["1/3", 50_000_000],
		]);
		// the ended thread's 7 s before the step are not taken off
		expect(cpuSecondsBetween(before, after)).toBeCloseTo(0.15, 9);
	});

	it("reads this process's own threads: the CPU a busy loop spent shows", () => {
		const pids = [process.pid];
		const before = threadTimes(pids);
		const usage = process.cpuUsage();
		// spin until the kernel has counted 20 ms of this process's CPU, however busy the machine is
		while (process.cpuUsage(usage).user + process.cpuUsage(usage).system < 20_000) {}
		const spent = cpuSecondsBetween(before, threadTimes(pids));
		expect(spent).toBeGreaterThan(0.015);
		expect(spent).toBeLessThan(1);
	});
});
