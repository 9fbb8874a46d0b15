/**
 * Scenarios (c) and (g): several senders, every other socket of the room receiving. First one step
 * at a fixed offered rate, the same for every server (its server CPU per delivery and p99 compare
 * like with like); then a ramp: the rate is multiplied until a step fails (p99 over the limit, or
 * too many lost), and bisected until the failing rate is within `rampResolution` of the passing
 * one. The result is the highest delivered rate of a passing step.
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
	await sleep(300);
	return r;
}

/**
 * The fixed step, then the ramp from `startRate` (up by `rampFactor` while steps pass, down while
 * they fail), then bisection until the bracket is within `rampResolution`.
 */
export async function runThroughput(
	load: Load,
	traffic: Traffic,
	startRate: number,
	label: string,
): Promise<ThroughputResult> {
	const { settings } = load;
	const fixed = await step(load, traffic, settings.fixedRate, settings.fixedSeconds, `${label} fixed`);
	const steps: StepResult[] = [];
	const at = async (rate: number) => {
		const r = await step(load, traffic, rate, settings.rampStepSeconds, label);
		steps.push(r);
		return r.pass;
	};
	let passRate = 0;
	let failRate = 0;
	let rate = startRate;
	for (let i = 0; i < settings.rampMaxSteps && (passRate === 0 || failRate === 0); i++) {
		if (await at(rate)) {
			passRate = rate;
			rate *= settings.rampFactor;
		} else {
			failRate = rate;
			rate /= settings.rampFactor;
		}
	}
	while (passRate > 0 && failRate > 0 && failRate / passRate > settings.rampResolution) {
		const mid = Math.sqrt(passRate * failRate);
		if (await at(mid)) passRate = mid;
		else failRate = mid;
	}
	const best = steps
		.filter((s) => s.pass)
		.reduce<StepResult | null>((a, s) => (a === null || s.deliveredPerSecond > a.deliveredPerSecond ? s : a), null);
	return { traffic, fixed, deliveredPerSecond: best?.deliveredPerSecond ?? 0, best, steps };
}
