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

const part = (name: string) => (x: Fixed) => x.step.partCpuSeconds?.[name] ?? 0;
/** A part's CPU in a step less what it burns idle over the step's length. */
const net = (name: string) => (x: Fixed) => part(name)(x) - (x.result.idleCpuCores?.[name] ?? 0) * x.step.seconds;
const idleCores = (x: Fixed) => Object.values(x.result.idleCpuCores ?? {}).reduce((a, b) => a + b, 0);
/** Deliveries the shards make in a step: every receiver but the root's own sockets, for each message. */
const shardDeliveries = (x: Fixed) => messagesOf(x) * (x.result.sockets - 1 - rootDeliveriesPerMessage(x.result));

/** CPU per delivery and, for two processes, each one's, pooled over `steps`. */
function costs(steps: Fixed[]) {
	const split = steps.some((x) => x.step.partCpuSeconds);
	const rootNetUsPerMessage = split ? pooledRatio(steps, (x) => net("root")(x) * 1e6, messagesOf) : null;
	/** The shards' CPU per delivery they make, less idle: a delivery on any object, the root's call to the shard included. */
	const shardNetUsPerDelivery = split ? pooledRatio(steps, (x) => net("shards")(x) * 1e6, shardDeliveries) : null;
	const first = steps[0]?.result;
	return {
		/** All processes' CPU per delivery less their idle CPU over the steps: the marginal cost. */
		netCpuUsPerDelivery: pooledRatio(
			steps,
			(x) => (x.step.serverCpuSeconds - idleCores(x) * x.step.seconds) * 1e6,
			(x) => x.step.delivered,
		),
		rootCpuUsPerMessage: split ? pooledRatio(steps, (x) => part("root")(x) * 1e6, messagesOf) : null,
		rootNetUsPerMessage,
		shardNetUsPerDelivery,
		/** The root's CPU per message less idle and less its own sockets' deliveries (at the shards' net cost each): its work as the root. */
		rootCoordinationUsPerMessage:
			rootNetUsPerMessage !== null && shardNetUsPerDelivery !== null && first
				? rootNetUsPerMessage - rootDeliveriesPerMessage(first) * shardNetUsPerDelivery
				: null,
	};
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
	const fixedCosts = costs(fixed);
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
		idleCores: median(mine.map((r) => Object.values(r.idleCpuCores ?? {}).reduce((a, b) => a + b, 0))),
		...fixedCosts,
		/** The same costs in the saturated steps: a room at its limit, where calls and frames carry more at once. */
		saturatedCosts: costs(saturated),
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
 * The (h) keys of `SUMMARY`: losses over every size, the vs-single ratios at the largest size
 * both layouts ran.
 * `rootCpuPerMessageFullVsQuick` (the largest size's root CPU per message over the smallest's)
 * needs two sizes and the root in a process of its own, else null; the root holds sockets of its
 * own, so `rootCoordinationCpuPerMessageFullVsQuick` compares it less their deliveries and
 * less its idle CPU, in the saturated steps (at full size's 1 msg/s the idle CPU is most of the
 * root's; null when either figure is not positive, i.e. lost in the noise); `shardedNetCpuPerDeliveryVsSingle` compares both layouts less their idle CPU
 * (two processes idle at more than one).
 */
const positiveRatio = (a: number | null | undefined, b: number | null | undefined) =>
	typeof a === "number" && typeof b === "number" && a > 0 && b > 0 ? a / b : null;

export function shardedSummary(results: ShardedResult[] | undefined) {
	const all = results ?? [];
	const bySize = shardedMedians("ours", all);
	const sizes = Object.keys(bySize)
		.map(Number)
		.sort((a, b) => a - b);
	const compared = sizes.filter((n) => bySize[n]?.sharded.rounds && bySize[n]?.single.rounds);
	/** The largest size both layouts ran (the vs-single ratios), and the largest and smallest the sharded room ran. */
	const largest = bySize[compared[compared.length - 1] ?? -1];
	const full = bySize[sizes[sizes.length - 1] ?? -1];
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
		shardedNetCpuPerDeliveryVsSingle: ratio(largest?.sharded.netCpuUsPerDelivery, largest?.single.netCpuUsPerDelivery),
		shardedP99VsSingle: ratio(largest?.sharded.fixedP99, largest?.single.fixedP99),
		rootCpuPerMessageFullVsQuick: twoSizes
			? ratio(full?.sharded.rootCpuUsPerMessage, smallest?.sharded.rootCpuUsPerMessage)
			: null,
		rootCoordinationCpuPerMessageFullVsQuick: twoSizes
			? positiveRatio(
					full?.sharded.saturatedCosts.rootCoordinationUsPerMessage,
					smallest?.sharded.saturatedCosts.rootCoordinationUsPerMessage,
				)
			: null,
		shardedThroughputVsSingle: ratio(largest?.sharded.perServerSecond, largest?.single.perServerSecond),
	};
}

/** The table's rows for (h), read from ours' `ShardedMedians`: each size, each layout. */
export function shardedRows(settings: Settings) {
	return settings.shardedSizes.flatMap(({ sockets, objects, fixedRate }) => {
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
							row("root's process: CPU µs per message", (m) => m.rootCpuUsPerMessage, 1),
							row("root's process less idle: CPU µs per message", (m) => m.rootNetUsPerMessage, 1),
							row(
								"root's process less idle and its own sockets' deliveries: CPU µs per message",
								(m) => m.rootCoordinationUsPerMessage,
								1,
							),
							row("shards' process less idle: CPU µs per delivery", (m) => m.shardNetUsPerDelivery, 2),
						]
					: [];
			return [
				row("objects holding sockets", (m) => m.objects, 0),
				row("connect+register (count presence), ms", (m) => m.registerMs, 0),
				row("quiet (heartbeats only): server CPU, cores", (m) => m.idleCores, 3),
				row(`at ${fixedRate} msg/s: server CPU µs per delivery`, (m) => m.cpuUsPerDelivery, 2),
				row(`at ${fixedRate} msg/s: server CPU µs per delivery less idle`, (m) => m.netCpuUsPerDelivery, 2),
				...split,
				row(`at ${fixedRate} msg/s: p99 ms`, (m) => m.fixedP99, 1),
				row("saturated: deliveries per server second", (m) => m.perServerSecond, 0),
				row("saturated: deliveries/s (wall clock)", (m) => m.perSecond, 0),
				row("lost / duplicated / out of order", (m) => m.lost + m.duplicated + m.outOfOrder, 0),
			];
		});
	});
}
