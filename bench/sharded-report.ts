/**
 * Scenario (h)'s part of the report (load/sharded.ts): the sharded room's and the single object's
 * figures, shown in ours' column, and the `SUMMARY` keys. Ratios are pooled over the steps of every
 * round (all CPU over all deliveries, all deliveries over all server seconds); the p99 ratio is the
 * p99 of every fixed-step delivery of each layout over all rounds.
 */
import type { Settings } from "./load/settings.ts";
import type { ShardedLayout, ShardedResult } from "./load/sharded.ts";
import { median, pooledRatio, ratio, Samples, summarize } from "./load/stats.ts";
import type { StepResult } from "./load/throughput.ts";

function stepsOf(results: ShardedResult[], layout: ShardedLayout, kind: StepResult["kind"]): StepResult[] {
	return results
		.filter((r) => r.layout === layout)
		.flatMap((r) => r.throughput?.steps ?? [])
		.filter((s) => s.kind === kind);
}

function layoutFigures(results: ShardedResult[], layout: ShardedLayout) {
	const mine = results.filter((r) => r.layout === layout);
	const fixed = stepsOf(results, layout, "fixed");
	const saturated = stepsOf(results, layout, "saturated");
	const latencies = new Samples();
	// Saved runs (resummarize.ts) keep only the count of the samples.
	for (const r of mine) if (r.throughput?.fixedSamples instanceof Samples) latencies.add(r.throughput.fixedSamples);
	const p99 = latencies.length ? summarize(latencies).p99 : median(mine.map((r) => r.throughput?.fixedP99));
	return {
		rounds: mine.length,
		objects: median(mine.map((r) => r.objects)),
		registerMs: median(mine.map((r) => r.registerMs)),
		cpuUsPerDelivery: pooledRatio(
			fixed,
			(s) => s.serverCpuSeconds * 1e6,
			(s) => s.delivered,
		),
		fixedP99: p99,
		perServerSecond: pooledRatio(
			saturated,
			(s) => s.delivered,
			(s) => s.serverSeconds,
		),
		perSecond: pooledRatio(
			saturated,
			(s) => s.delivered,
			(s) => s.seconds,
		),
		lost: mine.reduce((sum, r) => sum + r.lost, 0),
		duplicated: mine.reduce((sum, r) => sum + r.duplicated, 0),
		outOfOrder: mine.reduce((sum, r) => sum + r.outOfOrder, 0),
	};
}

export function shardedMedians(name: string, results: ShardedResult[] | undefined) {
	const all = name === "ours" ? (results ?? []) : [];
	return { sharded: layoutFigures(all, "sharded"), single: layoutFigures(all, "single") };
}
export type ShardedMedians = ReturnType<typeof shardedMedians>;

/**
 * The (h) keys of `SUMMARY`. `rootCpuPerMessageFullVsQuick` needs the root in a workerd process of
 * its own; the rooms here run in one process, so it is null (bench/README.md, (h)).
 */
export function shardedSummary(results: ShardedResult[] | undefined) {
	const ran = (results ?? []).length > 0;
	const m = shardedMedians("ours", results);
	const { sharded, single } = m;
	return {
		shardedLost: ran ? sharded.lost : null,
		shardedDuplicated: ran ? sharded.duplicated : null,
		shardedOutOfOrder: ran ? sharded.outOfOrder : null,
		shardedCpuPerDeliveryVsSingle: ratio(sharded.cpuUsPerDelivery, single.cpuUsPerDelivery),
		shardedP99VsSingle: ratio(sharded.fixedP99, single.fixedP99),
		rootCpuPerMessageFullVsQuick: null,
		shardedThroughputVsSingle: ratio(sharded.perServerSecond, single.perServerSecond),
	};
}

/** The table's rows for (h), read from ours' `ShardedMedians`. */
export function shardedRows(settings: Settings) {
	const n = settings.shardedSockets.toLocaleString("en-US");
	const layouts: [ShardedLayout, string][] = [
		["sharded", `(h) ${n} sockets over ${settings.shardedObjects} objects`],
		["single", `(h) the same ${n} sockets in one object`],
	];
	return layouts.flatMap(([layout, label]) => {
		const row = (what: string, get: (m: ShardedMedians["sharded"]) => number | null, digits: number) => ({
			label: `${label}: ${what}`,
			get: (m: ShardedMedians) => get(m[layout]),
			digits,
		});
		return [
			row("objects holding sockets", (m) => m.objects, 0),
			row("connect+register (count presence), ms", (m) => m.registerMs, 0),
			row(`at ${settings.shardedFixedRate} msg/s: server CPU µs per delivery`, (m) => m.cpuUsPerDelivery, 2),
			row(`at ${settings.shardedFixedRate} msg/s: p99 ms`, (m) => m.fixedP99, 1),
			row("saturated: deliveries per server second", (m) => m.perServerSecond, 0),
			row("saturated: deliveries/s (wall clock)", (m) => m.perSecond, 0),
			row("lost / duplicated / out of order", (m) => (m.rounds ? m.lost + m.duplicated + m.outOfOrder : null), 0),
		];
	});
}
