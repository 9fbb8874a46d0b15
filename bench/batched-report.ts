/**
 * Batched frames' part of the report (load/batched.ts): each server's medians over rounds, the
 * table's rows, and the `SUMMARY` keys, each batched figure with its mean batch (server events per
 * frame the room's sockets received over the same steps). Kept apart from report.ts as
 * overload-report.ts is.
 */
import { meanBatch, pairedFixedSteps, pairedSteps, stepsOf } from "./load/batched-steps.ts";
import type { FanoutResult, ServerResult } from "./load/scenarios.ts";
import type { Settings } from "./load/settings.ts";
import { median, percentile, pooledRatio, ratio, Samples, trimmedGeometricMean } from "./load/stats.ts";
import type { StepResult, ThroughputResult } from "./load/throughput.ts";

/** One server's fixed steps of one kind of run over rounds: the medians, and the mean batch over every round's steps. */
function fixedMedians(rounds: (ThroughputResult | null | undefined)[]) {
	return {
		cpuUsPerDelivery: median(rounds.map((t) => t?.fixedCpuUsPerDelivery)),
		p99: median(rounds.map((t) => t?.fixedP99)),
		eventsPerFrame: meanBatch(rounds.flatMap((t) => stepsOf(t, "fixed"))),
	};
}

/** The same for saturated steps, with the server's CPU cores (near 1 or more when the server, not the client, was the limit). */
function saturatedMedians(rounds: (ThroughputResult | null | undefined)[]) {
	return {
		perServerSecond: median(rounds.map((t) => t?.deliveredPerServerSecond)),
		p99: median(rounds.map((t) => t?.saturatedP99)),
		serverCores: median(rounds.flatMap((t) => stepsOf(t, "saturated").map((s) => s.serverCpuCores))),
		eventsPerFrame: meanBatch(rounds.flatMap((t) => stepsOf(t, "saturated"))),
	};
}

function fanoutMedians(rounds: (FanoutResult | null | undefined)[]) {
	return {
		p50: median(rounds.map((f) => f?.latencyMs.p50)),
		p99: median(rounds.map((f) => f?.latencyMs.p99)),
		eventsPerFrame: meanBatch(rounds),
	};
}

/** One server's batched-frame figures: medians over rounds (null where it did not run). */
export function batchedMedians(name: string, scenarios: ServerResult[]) {
	const results = scenarios.filter((r) => r.server === name);
	return {
		busy: fixedMedians(results.map((r) => r.busy)),
		wide: saturatedMedians(results.map((r) => r.wide?.throughput)),
		wideSignal: saturatedMedians(results.map((r) => r.wide?.signalThroughput)),
		batchedFanout: fanoutMedians(results.map((r) => r.batched?.fanout)),
		batchedBusy: fixedMedians(results.map((r) => r.batched?.busy)),
		batchedWide: saturatedMedians(results.map((r) => r.batched?.throughput)),
		batchedWideSignal: saturatedMedians(results.map((r) => r.batched?.signalThroughput)),
	};
}
export type BatchedMedians = ReturnType<typeof batchedMedians>;

/**
 * Ours' figure (from `mine`) over `other`'s (from `theirs`), each pooled over one kind of step of
 * every round both ran (`pairedSteps`); with ours' mean batch over the same steps.
 */
function pooledVs(
	scenarios: ServerResult[],
	other: string,
	mine: (r: ServerResult) => ThroughputResult | null | undefined,
	theirs: (r: ServerResult) => ThroughputResult | null | undefined,
	kind: StepResult["kind"],
	top: (s: StepResult) => number,
	bottom: (s: StepResult) => number,
): { ratio: number | null; eventsPerFrame: number | null } {
	const steps = pairedSteps(scenarios, other, mine, theirs, kind);
	return {
		ratio: ratio(pooledRatio(steps.ours, top, bottom), pooledRatio(steps.theirs, top, bottom)),
		eventsPerFrame: meanBatch(steps.ours),
	};
}

/** The p50 of every delivery of the fan-outs together; null without samples (saved runs keep none). */
function pooledP50(fanouts: (FanoutResult | null | undefined)[]): number | null {
	const all = new Samples();
	for (const f of fanouts) if (f?.samples instanceof Samples) all.add(f.samples);
	return all.length ? percentile(all.sorted(), 50) : null;
}

/**
 * The `SUMMARY` keys of batched frames: ours batched over node-ws (saturated, wide window) and over
 * bare and node-ws (busy room), each with ours' mean batch; and (b) batched minus (b), p50 over every
 * delivery of the rounds that have both.
 */
export function batchedSummary(scenarios: ServerResult[]) {
	const delivered = (s: StepResult) => s.delivered;
	const serverSeconds = (s: StepResult) => s.serverSeconds;
	const cpu = (s: StepResult) => s.serverCpuSeconds;
	const messages = pooledVs(
		scenarios,
		"node-ws",
		(r) => r.batched?.throughput,
		(r) => r.wide?.throughput,
		"saturated",
		delivered,
		serverSeconds,
	);
	const signals = pooledVs(
		scenarios,
		"node-ws",
		(r) => r.batched?.signalThroughput,
		(r) => r.wide?.signalThroughput,
		"saturated",
		delivered,
		serverSeconds,
	);
	const busyCpu = pooledVs(
		scenarios,
		"node-ws",
		(r) => r.batched?.busy,
		(r) => r.busy,
		"fixed",
		cpu,
		delivered,
	);
	const ours = scenarios.filter((r) => r.server === "ours" && r.fanout && r.batched?.fanout);
	const batchedP50 = pooledP50(ours.map((r) => r.batched?.fanout));
	const plainP50 = pooledP50(ours.map((r) => r.fanout));
	return {
		batchedThroughputVsNodeWs: messages.ratio,
		batchedThroughputEventsPerFrame: messages.eventsPerFrame,
		batchedSignalThroughputVsNodeWs: signals.ratio,
		batchedSignalThroughputEventsPerFrame: signals.eventsPerFrame,
		busyCpuPerDeliveryVsNodeWs: busyCpu.ratio,
		busyP99VsBare: trimmedGeometricMean(
			pairedFixedSteps(
				scenarios,
				"bare",
				(r) => r.batched?.busy,
				(r) => r.busy,
			).map(([a, b]) => ratio(a.latencyMs.p99, b.latencyMs.p99)),
		),
		busyEventsPerFrame: busyCpu.eventsPerFrame,
		quietBatchedP50DeltaMs: batchedP50 !== null && plainP50 !== null ? batchedP50 - plainP50 : null,
		quietBatchedEventsPerFrame: meanBatch(ours.map((r) => r.batched?.fanout)),
	};
}

/** The table's rows, read from a server's `BatchedMedians`. */
export function batchedRows(settings: Settings) {
	const busy = `busy room (${settings.busyReceivers} receivers, ${settings.busyRate} msg/s)`;
	const wide = `saturated, ${settings.wideWindowMessages} messages outstanding`;
	const row = (label: string, get: (m: BatchedMedians) => number | null, digits: number) => ({ label, get, digits });
	return [
		row("(b) batched receivers: fan-out latency p50 ms", (m) => m.batchedFanout.p50, 1),
		row("(b) batched receivers: fan-out latency p99 ms", (m) => m.batchedFanout.p99, 1),
		row("(b) batched receivers: events per frame", (m) => m.batchedFanout.eventsPerFrame, 2),
		row(`(c) ${wide}: deliveries per server second`, (m) => m.wide.perServerSecond, 0),
		row(`(c) ${wide}: server cores`, (m) => m.wide.serverCores, 2),
		row(`(c) ${wide}, batched receivers: deliveries per server second`, (m) => m.batchedWide.perServerSecond, 0),
		row(`(c) ${wide}, batched receivers: p99 ms`, (m) => m.batchedWide.p99, 1),
		row(`(c) ${wide}, batched receivers: server cores`, (m) => m.batchedWide.serverCores, 2),
		row(`(c) ${wide}, batched receivers: events per frame`, (m) => m.batchedWide.eventsPerFrame, 1),
		row(`(g) ${wide}: deliveries per server second`, (m) => m.wideSignal.perServerSecond, 0),
		row(`(g) ${wide}: server cores`, (m) => m.wideSignal.serverCores, 2),
		row(`(g) ${wide}, batched receivers: deliveries per server second`, (m) => m.batchedWideSignal.perServerSecond, 0),
		row(`(g) ${wide}, batched receivers: p99 ms`, (m) => m.batchedWideSignal.p99, 1),
		row(`(g) ${wide}, batched receivers: server cores`, (m) => m.batchedWideSignal.serverCores, 2),
		row(`(g) ${wide}, batched receivers: events per frame`, (m) => m.batchedWideSignal.eventsPerFrame, 1),
		row(`${busy}: server CPU µs per delivery`, (m) => m.busy.cpuUsPerDelivery, 2),
		row(`${busy}: p99 ms`, (m) => m.busy.p99, 1),
		row(`${busy}, batched receivers: server CPU µs per delivery`, (m) => m.batchedBusy.cpuUsPerDelivery, 2),
		row(`${busy}, batched receivers: p99 ms`, (m) => m.batchedBusy.p99, 1),
		row(`${busy}, batched receivers: events per frame`, (m) => m.batchedBusy.eventsPerFrame, 1),
	];
}
