/**
 * The benchmark's report: each server's medians over rounds, the Markdown table with the ratios
 * ours/bare and ours/partyserver, and the `SUMMARY` figures.
 */
import { batchedMedians, batchedRows, batchedSummary } from "./batched-report.ts";
import { eventsMedians, eventsRows, eventsSummary } from "./events-report.ts";
import type { EventsResult } from "./load/events.ts";
import { FLOOR, pairedJoinTimes } from "./load/join-floor.ts";
import type { JoinModesResult } from "./load/join-modes.ts";
import type { MqttRoundResult } from "./load/mqtt.ts";
import type { OverloadStep } from "./load/overload.ts";
import type { RestartResult } from "./load/restart.ts";
import type { ServerResult } from "./load/scenarios.ts";
import type { Settings } from "./load/settings.ts";
import type { ShardedResult } from "./load/sharded.ts";
import { median, pooledRatio, ratio, Samples, summarize, trimmedGeometricMean } from "./load/stats.ts";
import type { StepResult, ThroughputResult } from "./load/throughput.ts";
import { mqttSummary } from "./mqtt-report.ts";
import { overloadMedians, overloadMessageP99, overloadRows } from "./overload-report.ts";
import { shardedMedians, shardedRows, shardedSummary } from "./sharded-report.ts";

/** Everything measured, by scenario file. */
export interface Runs {
	scenarios: ServerResult[];
	joinModes: JoinModesResult[];
	/** Ours only. */
	restarts: RestartResult[];
	/** (j). */
	overload: OverloadStep[];
	/** (h), ours only. */
	sharded: ShardedResult[];
	/** The cost of room events, ours only (load/events.ts). */
	events: EventsResult[];
	/** (i) MQTT fan-out and idle, ours and mosquitto (load/mqtt.ts); its tables are mqtt-report.ts'. */
	mqtt: MqttRoundResult[];
}

/** The p99 of every delivery of every round together (a stall in any round counts); null without any. */
function p99AllRounds(rounds: (Samples | undefined)[]): number | null {
	const all = new Samples();
	for (const samples of rounds) if (samples) all.add(samples);
	return all.length ? summarize(all).p99 : null;
}

/** The medians over rounds of one server's numbers (`null` where it did not run), and the p99s over all rounds. */
export function medians(name: string, runs: Runs, settings: Settings) {
	const results = runs.scenarios.filter((r) => r.server === name);
	const joins = runs.joinModes.filter((r) => r.server === name);
	const restarts = name === "ours" ? runs.restarts : [];
	const largest = settings.registerCounts[settings.registerCounts.length - 1];
	const registerBy = (n: number) => results.map((r) => r.register.find((x) => x.n === n));
	const worst = (values: number[]) => (values.length ? Math.max(...values) : null);
	return {
		rounds: results.length,
		register: Object.fromEntries(
			settings.registerCounts.map((n) => [
				n,
				{
					ms: median(registerBy(n).map((x) => x?.ms)),
					perSecond: median(registerBy(n).map((x) => x?.perSecond)),
				},
			]),
		),
		bytesPerSocket: median(registerBy(largest as number).map((x) => x?.bytesPerSocket)),
		batchedJoinMs: median(joins.map((r) => r.batched?.ms)),
		batchedBytesPerSocket: median(joins.map((r) => r.batched?.bytesPerSocket)),
		countJoinMs: median(joins.map((r) => r.count?.ms)),
		/** After the batched join in the same process, for ours and bare alike. */
		countBytesPerSocket: median(joins.map((r) => r.count?.bytesPerSocket)),
		/**
		 * Ours' companion in the count turns (load/join-floor.ts), shown in ours' column. (Its memory,
		 * in latest.json, is not in the table: a fresh process's first join, unlike ours' count join.)
		 */
		floorJoinMs: name === "ours" ? median(floorJoins(runs).map((r) => r.count?.ms)) : null,
		fanout: {
			p50: median(results.map((r) => r.fanout?.latencyMs.p50)),
			p95: median(results.map((r) => r.fanout?.latencyMs.p95)),
			p99: median(results.map((r) => r.fanout?.latencyMs.p99)),
			p99AllRounds: p99AllRounds(results.map((r) => r.fanout?.samples)),
			max: median(results.map((r) => r.fanout?.latencyMs.max)),
			lost: median(results.map((r) => r.fanout?.lost)),
			duplicated: median(results.map((r) => r.fanout?.duplicated)),
		},
		throughput: throughputMedians(results.map((r) => r.throughput)),
		signal: throughputMedians(results.map((r) => r.signalThroughput)),
		idleWakes: median(results.map((r) => r.idle?.wakes)),
		restartRecoveryMs: median(restarts.map((r) => r.recoveryMs)),
		/** The worst round: one flicker anywhere is one too many. */
		restartFlicker: worst(restarts.map((r) => r.flicker.total)),
		overload: overloadMedians(name, runs.overload),
		batched: batchedMedians(name, runs.scenarios),
		sharded: shardedMedians(name, runs.sharded),
		events: eventsMedians(name, runs.events),
	};
}
export type Medians = ReturnType<typeof medians>;

const floorJoins = (runs: Runs) => runs.joinModes.filter((r) => r.server === FLOOR);

/** Ours' result of each round with `other`'s of the same round, for the rounds both have. */
function sameRoundPairs<R extends { server: string; round: number }>(results: R[], other: string): [R, R][] {
	const pairs: [R, R][] = [];
	for (const mine of results) {
		if (mine.server !== "ours") continue;
		const theirs = results.find((r) => r.server === other && r.round === mine.round);
		if (theirs) pairs.push([mine, theirs]);
	}
	return pairs;
}

/**
 * Ours' figure over another server's, each over one kind of step of every round together
 * (`pooledRatio`), from the rounds in which both have the scenario: a round one of them lost
 * would otherwise weigh on one side only.
 */
function pooledStepRatio(
	scenarios: ServerResult[],
	other: string,
	scenario: "throughput" | "signalThroughput",
	kind: StepResult["kind"],
	top: (s: StepResult) => number,
	bottom: (s: StepResult) => number,
): number | null {
	const ours: StepResult[] = [];
	const theirs: StepResult[] = [];
	for (const [mine, match] of sameRoundPairs(scenarios, other)) {
		const a = mine[scenario];
		const b = match[scenario];
		if (!a || !b) continue;
		ours.push(...a.steps.filter((s) => s.kind === kind));
		theirs.push(...b.steps.filter((s) => s.kind === kind));
	}
	return ratio(pooledRatio(ours, top, bottom), pooledRatio(theirs, top, bottom));
}

const saturatedRate = (scenarios: ServerResult[], other: string, scenario: "throughput" | "signalThroughput") =>
	pooledStepRatio(
		scenarios,
		other,
		scenario,
		"saturated",
		(s) => s.delivered,
		(s) => s.serverSeconds,
	);

/** (c) or (g) over rounds. */
function throughputMedians(rounds: (ThroughputResult | null)[]) {
	const of = (get: (t: ThroughputResult) => number) => median(rounds.map((t) => (t ? get(t) : null)));
	return {
		fixedCpuUsPerDelivery: of((t) => t.fixedCpuUsPerDelivery),
		fixedP99: of((t) => t.fixedP99),
		fixedP99AllRounds: p99AllRounds(rounds.map((t) => t?.fixedSamples)),
		perServerSecond: of((t) => t.deliveredPerServerSecond),
		perSecond: of((t) => t.deliveredPerSecond),
		saturatedP99: of((t) => t.saturatedP99),
	};
}

/**
 * The median over rounds of ours' figure over bare's in the same round: the presence-mode joins of
 * a round take turns (load/join-modes.ts), so each round's pair met the same machine.
 */
function pairedJoinRatio(joins: JoinModesResult[], get: (r: JoinModesResult) => number | undefined): number | null {
	return median(sameRoundPairs(joins, "bare").map(([ours, bare]) => ratio(get(ours), get(bare))));
}

/**
 * Ours' time for every join of a mode in every round together, over bare's (or `other`'s, in the
 * same mode: the floor's count joins): each join of ours ran just before or after the other's of
 * the same place, and one join moved by up to 30 % between rounds.
 */
function pooledJoinRatio(joins: JoinModesResult[], mode: "batched" | "count", other = "bare"): number | null {
	return pooledRatio(
		pairedJoinTimes(joins, mode, other),
		([ours]) => ours,
		([, theirs]) => theirs,
	);
}

/**
 * Ours' p99 over bare's, turn by turn: the i-th turn of ours in a round (a (b) slice, or a fixed step
 * of (g)) is paired with bare's i-th of the same round, which ran just before or after it, and the
 * ratios of all rounds are averaged by `trimmedGeometricMean`. A stall of the machine (100-700 ms,
 * seen in both servers) sets one turn's p99, not the figure, as it did the p99 over all deliveries.
 */
function pairedTurnP99Ratio(scenarios: ServerResult[], turnP99s: (r: ServerResult) => number[]): number | null {
	const ratios: (number | null)[] = [];
	for (const [ours, bare] of sameRoundPairs(scenarios, "bare")) {
		const bareP99s = turnP99s(bare);
		turnP99s(ours).forEach((p99, i) => {
			ratios.push(ratio(p99, bareP99s[i]));
		});
	}
	return trimmedGeometricMean(ratios);
}

const fanoutSliceP99s = (r: ServerResult) => r.fanout?.slices.map((s) => s.latencyMs.p99) ?? [];
const signalFixedStepP99s = (r: ServerResult) =>
	r.signalThroughput?.steps.filter((s) => s.kind === "fixed").map((s) => s.latencyMs.p99) ?? [];

/**
 * The `SUMMARY` line's figures (the first six as before presence 1.1, the last three since signals).
 * The join ratios are over every join both servers finished (`pooledJoinRatio`; `countJoinVsFloor`
 * ours' count joins over the `row` floor's in the same turns), the batched-memory ratio the median
 * of each round's pair, each from settled readings (load/settle.ts); the p99 ratios are over paired turns (`pairedTurnP99Ratio`);
 * `p99Ms` is the p99 of every delivery of all rounds; the throughput and CPU ratios are over the
 * steps of every round both servers ran (`pooledStepRatio`); `overloadMessageP99Ms` is (j)'s
 * (overload-report.ts); the others, medians.
 */
export function summary(m: Record<string, Medians>, runs: Runs) {
	const { ours } = m;
	return {
		throughputVsBare: saturatedRate(runs.scenarios, "bare", "throughput"),
		throughputVsPartyserver: saturatedRate(runs.scenarios, "partyserver", "throughput"),
		p99VsBare: pairedTurnP99Ratio(runs.scenarios, fanoutSliceP99s),
		p99Ms: ours?.fanout.p99AllRounds ?? null,
		bytesPerSocket: ours?.bytesPerSocket ?? null,
		heartbeatWakes: ours?.idleWakes ?? null,
		joinVsBare: pooledJoinRatio(runs.joinModes, "batched"),
		countJoinVsBare: pooledJoinRatio(runs.joinModes, "count"),
		countJoinVsFloor: pooledJoinRatio(runs.joinModes, "count", FLOOR),
		bytesPerSocketVsBare: pairedJoinRatio(runs.joinModes, (r) => r.batched?.bytesPerSocket),
		restartRecoveryMs: ours?.restartRecoveryMs ?? null,
		restartFlicker: ours?.restartFlicker ?? null,
		signalThroughputVsBare: saturatedRate(runs.scenarios, "bare", "signalThroughput"),
		signalP99VsBare: pairedTurnP99Ratio(runs.scenarios, signalFixedStepP99s),
		cpuPerDeliveryVsBare: pooledStepRatio(
			runs.scenarios,
			"bare",
			"throughput",
			"fixed",
			(s) => s.serverCpuSeconds,
			(s) => s.delivered,
		),
		overloadMessageP99Ms: overloadMessageP99(m.ours?.overload),
		...batchedSummary(runs.scenarios),
		...shardedSummary(runs.sharded),
		...eventsSummary(runs.events),
		...mqttSummary(runs.mqtt),
	};
}

function fmt(value: number | null | undefined, digits = 0): string {
	if (typeof value !== "number" || !Number.isFinite(value)) return "–";
	return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

interface Row {
	label: string;
	get: (x: Medians) => number | null;
	digits: number;
}

function rows(settings: Settings): Row[] {
	const list: Row[] = [];
	for (const n of settings.registerCounts) {
		list.push({ label: `(a) connect+register ${n}: ms`, get: (x) => x.register[n]?.ms ?? null, digits: 0 });
		list.push({
			label: `(a) connect+register ${n}: sockets/s`,
			get: (x) => x.register[n]?.perSecond ?? null,
			digits: 0,
		});
	}
	const batched = settings.batchedJoinSockets;
	const fixed = `${settings.fixedRate} msg/s`;
	list.push(
		{ label: `(a) connect+register ${batched}, batched presence: ms`, get: (x) => x.batchedJoinMs, digits: 0 },
		{
			label: `(a) connect+register ${settings.countJoinSockets}, count presence: ms`,
			get: (x) => x.countJoinMs,
			digits: 0,
		},
		{
			label: `(a) connect+register ${settings.countJoinSockets} on the row floor, in ours' count turns: ms`,
			get: (x) => x.floorJoinMs,
			digits: 0,
		},
		{ label: "(b) fan-out latency p50 ms", get: (x) => x.fanout.p50, digits: 1 },
		{ label: "(b) fan-out latency p95 ms", get: (x) => x.fanout.p95, digits: 1 },
		{ label: "(b) fan-out latency p99 ms", get: (x) => x.fanout.p99, digits: 1 },
		{ label: "(b) fan-out latency max ms", get: (x) => x.fanout.max, digits: 1 },
		{ label: "(b) fan-out latency p99 ms, all rounds' deliveries", get: (x) => x.fanout.p99AllRounds, digits: 1 },
		{
			label: "(b) lost / duplicated deliveries",
			get: (x) => (x.fanout.lost === null ? null : x.fanout.lost + (x.fanout.duplicated ?? 0)),
			digits: 0,
		},
		{ label: `(c) at ${fixed}: server CPU µs per delivery`, get: (x) => x.throughput.fixedCpuUsPerDelivery, digits: 2 },
		{ label: `(c) at ${fixed}: p99 ms`, get: (x) => x.throughput.fixedP99, digits: 1 },
		{
			label: "(c) throughput, saturated: deliveries per server second",
			get: (x) => x.throughput.perServerSecond,
			digits: 0,
		},
		{ label: "(c) throughput, saturated: deliveries/s (wall clock)", get: (x) => x.throughput.perSecond, digits: 0 },
		{ label: "(c) saturated: p99 ms", get: (x) => x.throughput.saturatedP99, digits: 1 },
		{
			label: `(g) signals at ${fixed}: server CPU µs per delivery`,
			get: (x) => x.signal.fixedCpuUsPerDelivery,
			digits: 2,
		},
		{ label: `(g) signals at ${fixed}: p99 ms`, get: (x) => x.signal.fixedP99, digits: 1 },
		{
			label: `(g) signals at ${fixed}: p99 ms, all rounds' deliveries`,
			get: (x) => x.signal.fixedP99AllRounds,
			digits: 1,
		},
		{
			label: "(g) throughput, saturated: deliveries per server second",
			get: (x) => x.signal.perServerSecond,
			digits: 0,
		},
		{ label: "(g) throughput, saturated: deliveries/s (wall clock)", get: (x) => x.signal.perSecond, digits: 0 },
		{ label: "(g) saturated: p99 ms", get: (x) => x.signal.saturatedP99, digits: 1 },
		{ label: "(d) idle: room wake-ups", get: (x) => x.idleWakes, digits: 0 },
		{ label: "(e) memory per socket, bytes (RSS growth)", get: (x) => x.bytesPerSocket, digits: 0 },
		{
			label: `(e) memory per socket, ${batched} batched, bytes (settled)`,
			get: (x) => x.batchedBytesPerSocket,
			digits: 0,
		},
		{
			label: `(e) memory per socket, ${settings.countJoinSockets} count, bytes (settled)`,
			get: (x) => x.countBytesPerSocket,
			digits: 0,
		},

		{ label: "(f) restart: last client back, ms after the server is up", get: (x) => x.restartRecoveryMs, digits: 0 },
		{ label: "(f) restart: flicker (worst round)", get: (x) => x.restartFlicker, digits: 0 },
		...overloadRows(settings).map((row) => ({ ...row, get: (x: Medians) => row.get(x.overload) })),
		...batchedRows(settings).map((row) => ({ ...row, get: (x: Medians) => row.get(x.batched) })),
		...shardedRows(settings).map((row) => ({ ...row, get: (x: Medians) => row.get(x.sharded) })),
		...eventsRows(settings).map((row) => ({ ...row, get: (x: Medians) => row.get(x.events) })),
	);
	return list;
}

export function table(names: string[], m: Record<string, Medians>, settings: Settings): string {
	const head = ["scenario / metric (median)", ...names, "ours/bare", "ours/partyserver"];
	const lines = [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`];
	for (const row of rows(settings)) {
		const values = names.map((name) => (m[name] ? row.get(m[name]) : null));
		const ours = m.ours ? row.get(m.ours) : null;
		const cells = [
			row.label,
			...values.map((v) => fmt(v, row.digits)),
			fmt(ratio(ours, m.bare ? row.get(m.bare) : null), 2),
			fmt(ratio(ours, m.partyserver ? row.get(m.partyserver) : null), 2),
		];
		lines.push(`| ${cells.join(" | ")} |`);
	}
	return lines.join("\n");
}
