/**
 * Scenarios (c) and (g): several senders, every other socket of the room receiving, in two kinds
 * of step (`fixedSteps` fixed, `samples` saturated, the saturated spread among the fixed):
 *
 * - fixed: a fixed offered rate, the same for every server and under every server's limit, so
 *   its server CPU per delivery and its p99 compare like with like;
 * - saturated: a fixed amount of work in flight (the senders send whenever fewer than
 *   `saturationWindow` deliveries are outstanding), so the server is never idle and never
 *   flooded: the delivered rate is its capacity on this machine at that moment.
 *
 * Each step takes a turn (`Turns`), so the steps of the servers of a round alternate.
 */
import { performance } from "node:perf_hooks";
import { type RunningServer, sleep } from "../servers/launch.ts";
import type { Conn, Traffic } from "./clients.ts";
import { busiestThreadWait, cpuSecondsBetween, threadTimes } from "./proc-times.ts";
import type { Settings } from "./settings.ts";
import { type LatencySummary, Samples, summarize } from "./stats.ts";
import type { Phase, Tracker } from "./tracker.ts";

export interface StepResult {
	kind: "fixed" | "saturated";
	delivered: number;
	/** The step's length, from the first send to the last delivery, and the part of it the server had. */
	seconds: number;
	serverSeconds: number;
	serverCpuSeconds: number;
	sentPerSecond: number;
	deliveredPerSecond: number;
	/** Deliveries per second of the time the server had: the step's length less its busiest thread's run-queue wait. */
	deliveredPerServerSecond: number;
	/** That wait, in seconds: the time other processes on the machine took from the server. */
	serverWaitSeconds: number;
	latencyMs: LatencySummary;
	lost: number;
	duplicated: number;
	/** Server CPU time per delivery (µs): the cost of one delivery, whoever is the bottleneck. */
	serverCpuUsPerDelivery: number;
	serverCpuCores: number;
	clientCpuCores: number;
	/** Frames the room's sockets received, and the server events in them: events/frames is the mean batch. */
	frames: number;
	events: number;
	/** Messages the room refused (their deliveries are not in `lost`): signals while it is behind its input. */
	refused: number;
	/** Messages sent in the step. */
	sent?: number;
	/** A server of several processes: each part's CPU seconds (load/sharded-pair.ts). */
	partCpuSeconds?: Record<string, number>;
}

export interface ThroughputResult {
	traffic: Traffic;
	steps: StepResult[];
	/** Over all saturated steps together: throughput in the time the server had, and by the wall clock. */
	deliveredPerServerSecond: number;
	deliveredPerSecond: number;
	saturatedP99: number;
	/** Over all fixed steps together. */
	fixedCpuUsPerDelivery: number;
	fixedP99: number;
	/** The fixed steps' latencies (ms), for the p99 over all rounds. */
	fixedSamples: Samples;
}

/** A room's sockets ready to send: `senders` send in turn, every other socket receives. */
export interface Load {
	server: RunningServer;
	tracker: Tracker;
	senders: Conn[];
	/** Every socket in the room (the tracker's receiver indices are below this). */
	sockets: number;
	settings: Settings;
	log: (line: string) => void;
	/** Shared by the servers of a round: one step at a time, theirs in turn. */
	turns: Turns;
}

/**
 * One step at a time across the servers of a round, first come first served: servers measured
 * together alternate step by step, so the machine's other load falls on all of them alike.
 */
export class Turns {
	#tail: Promise<unknown> = Promise.resolve();

	take<T>(run: () => Promise<T>): Promise<T> {
		const next = this.#tail.then(run);
		this.#tail = next.catch(() => {});
		return next;
	}
}

/** Sends for `stepSeconds`: on a rate schedule, or whenever the outstanding deliveries fall under the window. */
async function send(load: Load, traffic: Traffic, kind: StepResult["kind"], phase: Phase): Promise<number> {
	const { tracker, senders, sockets, settings } = load;
	const start = performance.now();
	const end = start + settings.stepSeconds * 1000;
	let sent = 0;
	const one = () => {
		(senders[sent % senders.length] as Conn).send(traffic, tracker.next(sockets, sockets - 1), performance.now());
		sent++;
	};
	while (performance.now() < end) {
		if (kind === "fixed") {
			const due = Math.floor(((performance.now() - start) / 1000) * settings.fixedRate) + 1;
			while (sent < due) one();
			await sleep(2);
		} else {
			while (phase.expected - phase.delivered < settings.saturationWindow) one();
			await sleep(1);
		}
	}
	return sent;
}

/** One step; its latencies are added to `pool`; `label` names the scenario in the log. */
async function step(
	load: Load,
	traffic: Traffic,
	kind: StepResult["kind"],
	pool: Samples,
	label: string,
): Promise<StepResult> {
	const { server, tracker, settings } = load;
	const phase = tracker.begin();
	const pids = server.workPids();
	const parts = Object.entries(server.parts?.() ?? {});
	const partThreads0 = parts.map(([, partPids]) => threadTimes(partPids));
	const threads0 = threadTimes(pids);
	const clientCpu0 = process.cpuUsage();
	const start = performance.now();
	const sent = await send(load, traffic, kind, phase);
	const sendEnd = performance.now();
	await tracker.drain(phase, settings.drainTimeoutMs);
	const elapsed = (Math.max(sendEnd, phase.lastDeliveryAt) - start) / 1000;
	const threads1 = threadTimes(pids);
	const partCpuSeconds = parts.length
		? Object.fromEntries(
				parts.map(([part, partPids], i) => [
					part,
					cpuSecondsBetween(partThreads0[i] as ReturnType<typeof threadTimes>, threadTimes(partPids)),
				]),
			)
		: undefined;
	const serverCpu = cpuSecondsBetween(threads0, threads1);
	const serverWaitSeconds = busiestThreadWait(threads0, threads1);
	const clientCpu = process.cpuUsage(clientCpu0);
	// a server that waited nearly the whole step would give a meaningless rate: bounded at 20× the wall clock's
	const serverSeconds = Math.max(elapsed - serverWaitSeconds, elapsed / 20);
	pool.add(phase.latencies);
	const r: StepResult = {
		kind,
		delivered: phase.delivered,
		seconds: elapsed,
		serverSeconds,
		serverCpuSeconds: serverCpu,
		sentPerSecond: sent / ((sendEnd - start) / 1000),
		deliveredPerSecond: phase.delivered / elapsed,
		deliveredPerServerSecond: phase.delivered / serverSeconds,
		serverWaitSeconds,
		latencyMs: summarize(phase.latencies),
		lost: phase.expected - phase.delivered,
		duplicated: phase.duplicated,
		serverCpuUsPerDelivery: phase.delivered ? (serverCpu * 1e6) / phase.delivered : Number.NaN,
		serverCpuCores: serverCpu / elapsed,
		clientCpuCores: (clientCpu.user + clientCpu.system) / 1e6 / elapsed,
		frames: phase.frames,
		events: phase.events,
		refused: phase.refused,
		sent,
		...(partCpuSeconds ? { partCpuSeconds } : {}),
	};
	const batched = r.events > r.frames ? `, ${(r.events / r.frames).toFixed(1)} events/frame` : "";
	load.log(
		`${label} ${kind} (${r.sentPerSecond.toFixed(0)} msg/s): ${r.deliveredPerSecond.toFixed(0)} deliveries/s (${r.deliveredPerServerSecond.toFixed(0)} per server second; waited ${serverWaitSeconds.toFixed(2)} s), p99 ${r.latencyMs.p99.toFixed(1)} ms, lost ${r.lost}${r.refused ? `, ${r.refused} refused` : ""}, server ${r.serverCpuCores.toFixed(2)} cores (${r.serverCpuUsPerDelivery.toFixed(2)} µs/delivery), client ${r.clientCpuCores.toFixed(2)} cores${batched}`,
	);
	await sleep(150);
	return r;
}

/** `fixed` fixed steps and `saturated` saturated ones, each saturated step after its share of the fixed. */
export function stepOrder(fixed: number, saturated: number): StepResult["kind"][] {
	if (saturated === 0) return Array.from({ length: fixed }, () => "fixed");
	const order: StepResult["kind"][] = [];
	for (let i = 0; i < saturated; i++) {
		const due = Math.round(((i + 1) * fixed) / saturated) - Math.round((i * fixed) / saturated);
		for (let j = 0; j < due; j++) order.push("fixed");
		order.push("saturated");
	}
	return order;
}

/**
 * `warmUpSteps` fixed steps not counted (saturated ones when there are no fixed steps), then `fixedSteps` fixed
 * steps and `samples` saturated ones (`stepOrder`), each in its turn. Each kind's figures are over its steps
 * together (all deliveries, all CPU time, all latencies), steadier than a median of few.
 */
export async function runThroughput(load: Load, traffic: Traffic, label: string): Promise<ThroughputResult> {
	const warmUp = load.settings.fixedSteps > 0 ? "fixed" : "saturated";
	for (let i = 0; i < load.settings.warmUpSteps; i++) {
		await load.turns.take(() => step(load, traffic, warmUp, new Samples(), `${label} warm-up`));
	}
	const steps: StepResult[] = [];
	const fixedLatencies = new Samples();
	const saturatedLatencies = new Samples();
	for (const kind of stepOrder(load.settings.fixedSteps, load.settings.samples)) {
		const pool = kind === "fixed" ? fixedLatencies : saturatedLatencies;
		steps.push(await load.turns.take(() => step(load, traffic, kind, pool, label)));
	}
	const sum = (kind: StepResult["kind"], get: (s: StepResult) => number) =>
		steps.filter((s) => s.kind === kind).reduce((total, s) => total + get(s), 0);
	return {
		traffic,
		steps,
		deliveredPerServerSecond: sum("saturated", (s) => s.delivered) / sum("saturated", (s) => s.serverSeconds),
		deliveredPerSecond: sum("saturated", (s) => s.delivered) / sum("saturated", (s) => s.seconds),
		saturatedP99: summarize(saturatedLatencies).p99,
		fixedCpuUsPerDelivery: (sum("fixed", (s) => s.serverCpuSeconds) * 1e6) / sum("fixed", (s) => s.delivered),
		fixedP99: summarize(fixedLatencies).p99,
		fixedSamples: fixedLatencies,
	};
}
