/**
 * Scenarios (c) and (g): several senders, every other socket of the room receiving. First one step
 * at a fixed offered rate, the same for every server (its server CPU per delivery and p99 compare
 * like with like); then a ramp: the rate is multiplied until a step fails (p99 over the limit, or
 * too many lost), and bisected until the failing rate is within `rampResolution` of the passing
 * one. The result is the highest delivered rate of a passing step: with a fine bracket that is
 * the server's capacity, since a step a little over it still passes and delivers at capacity.
 */
import { performance } from "node:perf_hooks";
import { type RunningServer, sleep } from "../servers/launch.ts";
import type { Conn, Traffic } from "./clients.ts";
import type { Settings } from "./settings.ts";
import { type LatencySummary, summarize } from "./stats.ts";
import { cpuSeconds, type Tracker } from "./tracker.ts";

export interface StepResult {
	rate: number;
	sentPerSecond: number;
	deliveredPerSecond: number;
	latencyMs: LatencySummary;
	lost: number;
	duplicated: number;
	pass: boolean;
	/** Server CPU time per delivery (µs): the cost of one delivery, whoever is the bottleneck. */
	serverCpuUsPerDelivery: number;
	serverCpuCores: number;
	clientCpuCores: number;
}

export interface ThroughputResult {
	traffic: Traffic;
	/** The step at `settings.fixedRate`, the same offered load for every server. */
	fixed: StepResult;
	deliveredPerSecond: number;
	best: StepResult | null;
	steps: StepResult[];
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
 * One step at a time across the servers of a round, first come first served: two ramps running
 * together alternate step by step, so the machine's other load falls on both alike.
 */
export class Turns {
	#tail: Promise<unknown> = Promise.resolve();

	take<T>(run: () => Promise<T>): Promise<T> {
		const next = this.#tail.then(run);
		this.#tail = next.catch(() => {});
		return next;
	}
}

/** Sends `rate` messages per second for `seconds`, waits for the deliveries and measures the step. */
async function step(load: Load, traffic: Traffic, rate: number, seconds: number, label: string): Promise<StepResult> {
	const { server, tracker, senders, sockets, settings } = load;
	const expectedPer = sockets - 1;
	const phase = tracker.begin();
	const total = Math.max(1, Math.round(rate * seconds));
	const pids = server.workPids();
	const serverCpu0 = cpuSeconds(pids);
	const clientCpu0 = process.cpuUsage();
	const start = performance.now();
	let sent = 0;
	while (sent < total) {
		const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
		for (; sent < due; sent++) {
			(senders[sent % senders.length] as Conn).send(traffic, tracker.next(sockets, expectedPer), performance.now());
		}
		await sleep(2);
	}
	const sendEnd = performance.now();
	await tracker.drain(phase, settings.drainTimeoutMs);
	const end = Math.max(sendEnd, phase.lastDeliveryAt);
	const elapsed = (end - start) / 1000;
	const serverCpu = cpuSeconds(pids) - serverCpu0;
	const clientCpu = process.cpuUsage(clientCpu0);
	const latencyMs = summarize(phase.latencies);
	const lost = phase.expected - phase.delivered;
	const r: StepResult = {
		rate,
		sentPerSecond: total / ((sendEnd - start) / 1000),
		deliveredPerSecond: phase.delivered / elapsed,
		latencyMs,
		lost,
		duplicated: phase.duplicated,
		pass: latencyMs.p99 <= settings.p99LimitMs && lost <= phase.expected * settings.maxLossFraction,
		serverCpuUsPerDelivery: phase.delivered ? (serverCpu * 1e6) / phase.delivered : Number.NaN,
		serverCpuCores: serverCpu / elapsed,
		clientCpuCores: (clientCpu.user + clientCpu.system) / 1e6 / elapsed,
	};
	load.log(
		`  ${label} ${rate.toFixed(0)} msg/s: ${r.deliveredPerSecond.toFixed(0)} deliveries/s, p99 ${latencyMs.p99.toFixed(1)} ms, lost ${lost}, server ${r.serverCpuCores.toFixed(2)} cores (${r.serverCpuUsPerDelivery.toFixed(2)} µs/delivery), client ${r.clientCpuCores.toFixed(2)} cores ${r.pass ? "pass" : "FAIL"}`,
	);
	await sleep(150);
	return r;
}

/**
 * The fixed step, then the ramp: up by `rampFactor` while steps pass, down while they fail, from
 * `startRate` (by default one factor away from the fixed step, which counts as the ramp's first
 * step), then bisection until the bracket is within `rampResolution`.
 */
export async function runThroughput(
	load: Load,
	traffic: Traffic,
	label: string,
	startRate?: number,
): Promise<ThroughputResult> {
	const { settings } = load;
	const fixed = await load.turns.take(() =>
		step(load, traffic, settings.fixedRate, settings.fixedSeconds, `${label} fixed`),
	);
	const steps: StepResult[] = [fixed];
	let passRate = fixed.pass ? fixed.rate : 0;
	let failRate = fixed.pass ? 0 : fixed.rate;
	const at = async (rate: number) => {
		const r = await load.turns.take(() => step(load, traffic, rate, settings.rampStepSeconds, label));
		steps.push(r);
		if (r.pass) passRate = Math.max(passRate, rate);
		else failRate = failRate ? Math.min(failRate, rate) : rate;
		return r.pass;
	};
	let rate = startRate ?? (fixed.pass ? fixed.rate * settings.rampFactor : fixed.rate / settings.rampFactor);
	for (let i = 0; i < settings.rampMaxSteps && (passRate === 0 || failRate === 0); i++) {
		rate = (await at(rate)) ? passRate * settings.rampFactor : failRate / settings.rampFactor;
	}
	while (passRate > 0 && failRate / passRate > settings.rampResolution) await at(Math.sqrt(passRate * failRate));
	const best = steps
		.filter((s) => s.pass)
		.reduce<StepResult | null>((a, s) => (a === null || s.deliveredPerSecond > a.deliveredPerSecond ? s : a), null);
	return { traffic, fixed, deliveredPerSecond: best?.deliveredPerSecond ?? 0, best, steps };
}
