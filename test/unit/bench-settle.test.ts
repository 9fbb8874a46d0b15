/**
 * The benchmark's fair join (issue 25, item 5): memory read once the server's RSS has settled
 * (after the server collected its garbage), and the `row` floor joining in ours' count turns
 * whatever `--servers` names, so that `countJoinVsFloor` pairs joins of the same round and place.
 */
import { afterEach, describe, expect, it } from "vitest";
import { FLOOR, type JoinTimes, joinRoundServers, pairedJoinTimes } from "../../bench/load/join-floor";
import { BENCH_GC_PATH, isSettled, readUntilSettled, type SettleRule } from "../../bench/load/settle";
import { pooledRatio } from "../../bench/load/stats";
import { benchGc, BENCH_GC_PATH as ROUTE_PATH } from "../../bench/servers/bench-gc";

const MiB = 2 ** 20;
const rule: SettleRule = { everyMs: 250, window: 4, toleranceBytes: 256 * 1024, capMs: 10_000 };

describe("isSettled", () => {
	it("wants `window` readings, all within the tolerance of each other", () => {
		expect(isSettled([], rule)).toBe(false);
		expect(isSettled([100 * MiB, 100 * MiB, 100 * MiB], rule)).toBe(false);
		expect(isSettled([100 * MiB, 100 * MiB, 100 * MiB, 100 * MiB], rule)).toBe(true);
		expect(isSettled([100 * MiB, 100 * MiB + 256 * 1024, 100 * MiB, 100 * MiB + 1], rule)).toBe(true);
		expect(isSettled([100 * MiB, 100 * MiB + 256 * 1024 + 1, 100 * MiB, 100 * MiB], rule)).toBe(false);
	});

	it("looks at the last readings only: a fall before them does not count, one among them does", () => {
		const falling = [180 * MiB, 150 * MiB, 120 * MiB];
		expect(isSettled([...falling, 110 * MiB, 110 * MiB, 110 * MiB, 110 * MiB], rule)).toBe(true);
		expect(isSettled([...falling, 110 * MiB, 110 * MiB, 110 * MiB, 109 * MiB], rule)).toBe(false);
	});

	it("a rise is not settled either (something still allocating)", () => {
		expect(isSettled([100 * MiB, 100 * MiB, 100 * MiB, 101 * MiB], rule)).toBe(false);
	});
});

describe("readUntilSettled", () => {
	/** A reader over a list of readings (the last repeats), and a clock that only counts. */
	const scripted = (readings: number[]) => {
		let i = 0;
		let waited = 0;
		return {
			read: () => readings[Math.min(i++, readings.length - 1)] as number,
			wait: async (ms: number) => {
				waited += ms;
			},
			waited: () => waited,
		};
	};

	it("reads at once and stops as soon as the window agrees, with the last reading", async () => {
		const clock = scripted([200 * MiB, 160 * MiB, 130 * MiB, 129.9 * MiB, 129.9 * MiB, 129.95 * MiB, 0]);
		const result = await readUntilSettled(clock.read, rule, clock.wait);
		expect(result).toEqual({ bytes: 129.95 * MiB, settled: true, readings: 6 });
		expect(clock.waited()).toBe(5 * 250);
	});

	it("gives up at the cap with the last reading, marked unsettled", async () => {
		let rss = 300 * MiB;
		let waited = 0;
		const result = await readUntilSettled(
			() => {
				rss -= MiB;
				return rss;
			},
			rule,
			async (ms) => {
				waited += ms;
			},
		);
		expect(waited).toBe(10_000);
		expect(result.settled).toBe(false);
		expect(result.readings).toBe(41);
		expect(result.bytes).toBe(300 * MiB - 41 * MiB);
	});
});

describe("the collection route", () => {
	const global = globalThis as { gc?: unknown };
	const saved = global.gc;
	afterEach(() => {
		global.gc = saved;
	});

	it("is the path the load generator asks", () => {
		expect(ROUTE_PATH).toBe(BENCH_GC_PATH);
	});

	it("collects, memory-reducing, when the runtime exposes gc, and says whether it could", async () => {
		const calls: unknown[] = [];
		global.gc = (options: unknown) => calls.push(options);
		expect(await benchGc().json()).toEqual({ gc: true });
		expect(calls).toEqual([{ type: "major", execution: "sync", flavor: "last-resort" }]);
		global.gc = undefined;
		expect(await benchGc().json()).toEqual({ gc: false });
	});
});

describe("the join round's servers", () => {
	it("adds the floor right after ours, whatever --servers names, and only with ours", () => {
		expect(joinRoundServers(["ours", "bare"])).toEqual(["ours", FLOOR, "bare"]);
		expect(joinRoundServers(["bare", "ours"])).toEqual(["bare", "ours", FLOOR]);
		expect(joinRoundServers(["ours"])).toEqual(["ours", FLOOR]);
		expect(joinRoundServers(["bare"])).toEqual(["bare"]);
		expect(joinRoundServers(["ours", FLOOR, "bare"])).toEqual(["ours", FLOOR, "bare"]);
	});
});

describe("countJoinVsFloor's pairs", () => {
	const join = (
		server: string,
		round: number,
		count: (number | null)[],
		batched: (number | null)[] = [],
	): JoinTimes => ({ server, round, repeatsMs: { batched, count } });
	const pooled = (pairs: [number, number][]) =>
		pooledRatio(
			pairs,
			([ours]) => ours,
			([, theirs]) => theirs,
		);
	const joinModes = [
		join("ours", 0, [1200, 1100], [2000, 2000]),
		join(FLOOR, 0, [1000, 1000]),
		join("bare", 0, [800, 800], [1000, 1000]),
		join("ours", 1, [1300, null], [2000, 2000]),
		join(FLOOR, 1, [1000, 5000]),
		join("bare", 1, [1000, 1000], [1000, 1000]),
	];

	it("pair ours' count joins with the floor's of the same round and place, a join ours did not finish with none", () => {
		expect(pairedJoinTimes(joinModes, "count", FLOOR)).toEqual([
			[1200, 1000],
			[1100, 1000],
			[1300, 1000],
		]);
		expect(pooled(pairedJoinTimes(joinModes, "count", FLOOR))).toBeCloseTo(3600 / 3000, 9);
		// bare's ratio stays beside it, from the same joins of ours
		expect(pooled(pairedJoinTimes(joinModes, "count", "bare"))).toBeCloseTo(3600 / 2600, 9);
		expect(pooled(pairedJoinTimes(joinModes, "batched", "bare"))).toBeCloseTo(2, 9);
	});

	it("are none without the floor (a run from before it), and the floor has no batched joins", () => {
		const before = joinModes.filter((r) => r.server !== FLOOR);
		expect(pairedJoinTimes(before, "count", FLOOR)).toEqual([]);
		expect(pooled(pairedJoinTimes(before, "count", FLOOR))).toBeNull();
		expect(pairedJoinTimes(joinModes, "batched", FLOOR)).toEqual([]);
	});
});
