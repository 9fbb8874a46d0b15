/**
 * Scenario (h)'s part of the report (load/sharded.ts): for each size, the sharded room's and the
 * single object's figures, shown in ours' column, and the `SUMMARY` keys. Figures are pooled over
 * the steps of every round (all CPU over all deliveries or messages, all deliveries over all server
 * seconds); a p99 is over every fixed-step delivery of all rounds. The ratios are the largest
 * size's.
 */
import type { Settings } from "./load/settings.ts";
import type { ShardedLayout, ShardedResult } from "./load/sharded.ts";
import { median, pooledRatio, ratio, Samples, summarize } from "./load/stats.ts";
import type { StepResult } from "./load/throughput.ts";

type Fixed = { step: StepResult; result: ShardedResult };

/** Messages of a step: its deliveries over the receivers of each (every socket but the sender). */
const messagesOf = ({ step, result }: Fixed) => step.sent ?? step.delivered / (result.sockets - 1);

/**
 * The root's own sockets' deliveries per message: it holds `perObject[0]` sockets, less the
 * sender's share when a sender is on it (a sender gets no copy of its own message).
 */
function rootDeliveriesPerMessage(result: ShardedResult): number {
	const onRoot = result.senders.filter((s) => s.shard === 0).length;
	return (result.perObject["0"] ?? 0) - (result.senders.length ? onRoot / result.senders.length : 0);
}

function layoutFigures(results: ShardedResult[], layout: ShardedLayout) {
	const mine = results.filter((r) => r.layout === layout);
	const steps = (kind: StepResult["kind"]): Fixed[] =>
		mine.flatMap((result) =>
			(result.throughput?.steps ?? []).filter((s) => s.kind === kind).map((step) => ({ step, result })),
		);
	const fixed = steps("fixed");
	const saturated = steps("saturated");
	const latencies = new Samples();
	// Saved runs (resummarize.ts) keep only the count of the samples.
	for (const r of mine) if (r.throughput?.fixedSamples instanceof Samples) latencies.add(r.throughput.fixedSamples);
	const part = (name: string) => (x: Fixed) => x.step.partCpuSeconds?.[name] ?? 0;
	const split = fixed.some((x) => x.step.partCpuSeconds);
	const rootCpuUsPerMessage = split ? pooledRatio(fixed, (x) => part("root")(x) * 1e6, messagesOf) : null;
	/** The shards' CPU per delivery they make: the cost of a delivery on any object, the call from the root included. */
	const shardCpuUsPerDelivery = split
		? pooledRatio(
				fixed,
				(x) => part("shards")(x) * 1e6,
				(x) => messagesOf(x) * (x.result.sockets - 1 - rootDeliveriesPerMessage(x.result)),
			)
		: null;
	/** The root's CPU per message less its own sockets' deliveries (at the shards' cost per delivery): its work as the root. */
	const rootCoordinationUsPerMessage =
		rootCpuUsPerMessage !== null && shardCpuUsPerDelivery !== null && mine[0]
			? rootCpuUsPerMessage - rootDeliveriesPerMessage(mine[0]) * shardCpuUsPerDelivery
			: null;
	return {
		rounds: mine.length,
		objects: median(mine.map((r) => r.objects)),
		registerMs: median(mine.map((r) => r.registerMs)),
		cpuUsPerDelivery: pooledRatio(
			fixed,
			(x) => x.step.serverCpuSeconds * 1e6,
			(x) => x.step.delivered,
		),
		cpuUsPerMessage: pooledRatio(fixed, (x) => x.step.serverCpuSeconds * 1e6, messagesOf),
		rootCpuUsPerMessage,
		shardCpuUsPerDelivery,
		rootCoordinationUsPerMessage,
		fixedP99: latencies.length ? summarize(latencies).p99 : median(mine.map((r) => r.throughput?.fixedP99)),
		perServerSecond: pooledRatio(
			saturated,
			(x) => x.step.delivered,
			(x) => x.step.serverSeconds,
		),
		perSecond: pooledRatio(
			saturated,
			(x) => x.step.delivered,
			(x) => x.step.seconds,
		),
		lost: mine.reduce((sum, r) => sum + r.lost, 0),
		duplicated: mine.reduce((sum, r) => sum + r.duplicated, 0),
		outOfOrder: mine.reduce((sum, r) => sum + r.outOfOrder, 0),
	};
}
export type ShardedFigures = ReturnType<typeof layoutFigures>;

/** By size (sockets), each layout's figures; ours only. */
export function shardedMedians(name: string, results: ShardedResult[] | undefined) {
	const all = name === "ours" ? (results ?? []) : [];
	const sizes = [...new Set(all.map((r) => r.sockets))].sort((a, b) => a - b);
	return Object.fromEntries(
		sizes.map((sockets) => {
			const of = all.filter((r) => r.sockets === sockets);
			return [sockets, { sharded: layoutFigures(of, "sharded"), single: layoutFigures(of, "single") }];
		}),
	) as Record<number, { sharded: ShardedFigures; single: ShardedFigures }>;
}
export type ShardedMedians = ReturnType<typeof shardedMedians>;

/**
 * The (h) keys of `SUMMARY`: losses over every size, ratios at the largest size.
 * `rootCpuPerMessageFullVsQuick` (the largest size's root CPU per message over the smallest's)
 * needs two sizes and the root in a process of its own, else null; the root holds sockets of its
 * own, so `rootCoordinationCpuPerMessageFullVsQuick` compares it less their deliveries.
 */
export function shardedSummary(results: ShardedResult[] | undefined) {
	const all = results ?? [];
	const bySize = shardedMedians("ours", all);
	const sizes = Object.keys(bySize)
		.map(Number)
		.sort((a, b) => a - b);
	const largest = bySize[sizes[sizes.length - 1] ?? -1];
	const smallest = bySize[sizes[0] ?? -1];
	const twoSizes = sizes.length > 1;
	const sharded = all.filter((r) => r.layout === "sharded");
	const total = (get: (r: ShardedResult) => number) =>
		sharded.length ? sharded.reduce((s, r) => s + get(r), 0) : null;
	return {
		shardedLost: total((r) => r.lost),
		shardedDuplicated: total((r) => r.duplicated),
		shardedOutOfOrder: total((r) => r.outOfOrder),
		shardedCpuPerDeliveryVsSingle: ratio(largest?.sharded.cpuUsPerDelivery, largest?.single.cpuUsPerDelivery),
		shardedP99VsSingle: ratio(largest?.sharded.fixedP99, largest?.single.fixedP99),
		rootCpuPerMessageFullVsQuick: twoSizes
			? ratio(largest?.sharded.rootCpuUsPerMessage, smallest?.sharded.rootCpuUsPerMessage)
			: null,
		rootCoordinationCpuPerMessageFullVsQuick: twoSizes
			? ratio(largest?.sharded.rootCoordinationUsPerMessage, smallest?.sharded.rootCoordinationUsPerMessage)
			: null,
		shardedThroughputVsSingle: ratio(largest?.sharded.perServerSecond, largest?.single.perServerSecond),
	};
}

/** The table's rows for (h), read from ours' `ShardedMedians`: each size, each layout. */
export function shardedRows(settings: Settings) {
	return settings.shardedSizes.flatMap(({ sockets, objects }) => {
		const n = sockets.toLocaleString("en-US");
		const layouts: [ShardedLayout, string][] = [
			["sharded", `(h) ${n} sockets over ${objects} objects`],
			["single", `(h) the same ${n} sockets in one object`],
		];
		return layouts.flatMap(([layout, label]) => {
			const row = (what: string, get: (m: ShardedFigures) => number | null, digits: number) => ({
				label: `${label}: ${what}`,
				get: (m: ShardedMedians) => {
					const figures = m[sockets]?.[layout];
					return figures?.rounds ? get(figures) : null;
				},
				digits,
			});
			const split =
				layout === "sharded"
					? [
							row("root's CPU µs per message (its process)", (m) => m.rootCpuUsPerMessage, 1),
							row(
								"root's CPU µs per message less its own sockets' deliveries",
								(m) => m.rootCoordinationUsPerMessage,
								1,
							),
							row("shards' CPU µs per delivery (their process)", (m) => m.shardCpuUsPerDelivery, 2),
						]
					: [];
			return [
				row("objects holding sockets", (m) => m.objects, 0),
				row("connect+register (count presence), ms", (m) => m.registerMs, 0),
				row(`at ${settings.shardedFixedRate} msg/s: server CPU µs per delivery`, (m) => m.cpuUsPerDelivery, 2),
				...split,
				row(`at ${settings.shardedFixedRate} msg/s: p99 ms`, (m) => m.fixedP99, 1),
				row("saturated: deliveries per server second", (m) => m.perServerSecond, 0),
				row("saturated: deliveries/s (wall clock)", (m) => m.perSecond, 0),
				row("lost / duplicated / out of order", (m) => m.lost + m.duplicated + m.outOfOrder, 0),
			];
		});
	});
}
