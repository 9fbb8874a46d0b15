/**
 * Scenarios (a) to (e), run against one server at a time (see ../README.md for every setting).
 * Each delivery is checked off per message and receiver, so lost and duplicated deliveries are
 * counted exactly; latency is receive time minus the send time carried in the payload.
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { type RunningServer, sleep } from "../servers/launch.ts";
import { type Conn, closeAll, openMany, type Sink, type Target } from "./clients.ts";
import { type IdleResult, runIdle } from "./idle.ts";
import { type RegisterResult, timedRegister } from "./join-modes.ts";
import type { Settings } from "./settings.ts";
import { type LatencySummary, Samples, summarize } from "./stats.ts";

/** Per-message bookkeeping for one phase (a fan-out run or one throughput step). */
class Phase {
	readonly latencies = new Samples();
	delivered = 0;
	duplicated = 0;
	expected = 0;
	lastDeliveryAt = 0;
}

/** Tracks every message sent and every delivery, by message number. */
export class Tracker implements Sink {
	readonly #messages: { phase: Phase; seen: Uint8Array }[] = [];
	#phase = new Phase();
	unknown = 0;
	errors: string[] = [];

	begin(): Phase {
		this.#phase = new Phase();
		return this.#phase;
	}

	/** A new message that `receivers` sockets (indices below `sockets`) should get. */
	next(sockets: number, receivers: number): number {
		this.#phase.expected += receivers;
		this.#messages.push({ phase: this.#phase, seen: new Uint8Array(sockets) });
		return this.#messages.length - 1;
	}

	delivery(receiver: number, key: number, sentAt: number): void {
		const now = performance.now();
		const message = this.#messages[key];
		if (!message) {
			this.unknown++;
			return;
		}
		const { phase, seen } = message;
		if (seen[receiver]) {
			phase.duplicated++;
			return;
		}
		seen[receiver] = 1;
		phase.delivered++;
		phase.latencies.push(now - sentAt);
		phase.lastDeliveryAt = now;
	}

	error(_receiver: number, text: string): void {
		if (this.errors.length < 20) this.errors.push(text);
	}

	/** Waits until every expected delivery of the phase has arrived, or the timeout. */
	async drain(phase: Phase, timeoutMs: number): Promise<void> {
		const deadline = performance.now() + timeoutMs;
		while (phase.delivered < phase.expected && performance.now() < deadline) await sleep(20);
	}
}

/** CPU seconds used so far by some processes (utime + stime). */
function cpuSeconds(pids: number[]): number {
	let ticks = 0;
	for (const pid of pids) {
		try {
			const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
			const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
			ticks += Number(fields[11]) + Number(fields[12]);
		} catch {
			// gone
		}
	}
	return ticks / 100;
}

export interface FanoutResult {
	receivers: number;
	messages: number;
	latencyMs: LatencySummary;
	lost: number;
	duplicated: number;
}

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
	deliveredPerSecond: number;
	best: StepResult | null;
	steps: StepResult[];
}

export interface ServerResult {
	server: string;
	round: number;
	register: RegisterResult[];
	fanout: FanoutResult | null;
	throughput: ThroughputResult | null;
	idle: IdleResult | null;
	errors: string[];
	unknownDeliveries: number;
}

type Log = (line: string) => void;

/** Runs every scenario; `result` is pushed to `results` first, so a later failure keeps what was measured. */
export async function runServer(
	server: RunningServer,
	target: Target,
	settings: Settings,
	round: number,
	log: Log,
	results: ServerResult[],
): Promise<ServerResult> {
	const tracker = new Tracker();
	const result: ServerResult = {
		server: server.name,
		round,
		register: [],
		fanout: null,
		throughput: null,
		idle: null,
		errors: tracker.errors,
		unknownDeliveries: 0,
	};
	results.push(result);

	// (a) connect and register; the largest run's sockets stay for (b) and (c), and its memory is (e).
	const heartbeatMs = settings.heartbeatSeconds * 1000;
	let room = "";
	let receivers: Conn[] = [];
	for (const [i, n] of settings.registerCounts.entries()) {
		room = `main-${round}-${n}`;
		const { conns, result: run } = await timedRegister(server, target, room, { n, settings }, tracker);
		result.register.push(run);
		log(
			`  (a) ${n} registered in ${run.ms.toFixed(0)} ms; +${(run.bytesPerSocket / 1024).toFixed(1)} KiB RSS per socket`,
		);
		if (i === settings.registerCounts.length - 1) receivers = conns;
		else await closeAll(conns);
	}

	// (b) fan-out: one more socket sends a steady stream to the receivers of the last run.
	const senders = await openMany(
		target,
		room,
		{ firstIndex: receivers.length, count: 1, concurrency: 1, heartbeatMs },
		tracker,
	);
	const sender = senders[0] as Conn;
	const sockets = receivers.length + settings.throughputSenders;
	await sleep(500);
	{
		const fanoutExpected = receivers.length;
		const phase = tracker.begin();
		const total = Math.round(settings.fanoutRate * settings.fanoutSeconds);
		const start = performance.now();
		for (let sent = 0; sent < total; ) {
			const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * settings.fanoutRate) + 1);
			for (; sent < due; sent++) sender.sendMessage(tracker.next(sockets, fanoutExpected), performance.now());
			await sleep(5);
		}
		await tracker.drain(phase, settings.drainTimeoutMs);
		result.fanout = {
			receivers: fanoutExpected,
			messages: total,
			latencyMs: summarize(phase.latencies),
			lost: phase.expected - phase.delivered,
			duplicated: phase.duplicated,
		};
		const l = result.fanout.latencyMs;
		log(
			`  (b) fan-out to ${fanoutExpected}: p50 ${l.p50.toFixed(1)} p99 ${l.p99.toFixed(1)} max ${l.max.toFixed(1)} ms, lost ${result.fanout.lost}, dup ${result.fanout.duplicated}`,
		);
	}

	// (c) throughput: the other senders join; the rate is raised until p99 passes the limit, then bisected.
	senders.push(
		...(await openMany(
			target,
			room,
			{ firstIndex: receivers.length + 1, count: settings.throughputSenders - 1, concurrency: 10, heartbeatMs },
			tracker,
		)),
	);
	await sleep(500);
	{
		const expectedPer = receivers.length + senders.length - 1;
		const steps: StepResult[] = [];
		const step = async (rate: number): Promise<StepResult> => {
			const phase = tracker.begin();
			const total = Math.max(1, Math.round(rate * settings.rampStepSeconds));
			const pids = server.workPids();
			const serverCpu0 = cpuSeconds(pids);
			const clientCpu0 = process.cpuUsage();
			const start = performance.now();
			let sent = 0;
			while (sent < total) {
				const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
				for (; sent < due; sent++) {
					(senders[sent % senders.length] as Conn).sendMessage(tracker.next(sockets, expectedPer), performance.now());
				}
				await sleep(2);
			}
			const sendEnd = performance.now();
			await tracker.drain(phase, settings.drainTimeoutMs);
			const end = Math.max(sendEnd, phase.lastDeliveryAt);
			const seconds = (end - start) / 1000;
			const serverCpu = cpuSeconds(pids) - serverCpu0;
			const clientCpu = process.cpuUsage(clientCpu0);
			const latencyMs = summarize(phase.latencies);
			const lost = phase.expected - phase.delivered;
			const r: StepResult = {
				rate,
				sentPerSecond: total / ((sendEnd - start) / 1000),
				deliveredPerSecond: phase.delivered / seconds,
				latencyMs,
				lost,
				duplicated: phase.duplicated,
				pass: latencyMs.p99 <= settings.p99LimitMs && lost <= phase.expected * settings.maxLossFraction,
				serverCpuUsPerDelivery: phase.delivered ? (serverCpu * 1e6) / phase.delivered : Number.NaN,
				serverCpuCores: serverCpu / seconds,
				clientCpuCores: (clientCpu.user + clientCpu.system) / 1e6 / seconds,
			};
			steps.push(r);
			log(
				`  (c) ${rate.toFixed(0)} msg/s: ${r.deliveredPerSecond.toFixed(0)} deliveries/s, p99 ${latencyMs.p99.toFixed(1)} ms, lost ${lost}, server ${r.serverCpuCores.toFixed(2)} cores (${r.serverCpuUsPerDelivery.toFixed(2)} µs/delivery), client ${r.clientCpuCores.toFixed(2)} cores ${r.pass ? "pass" : "FAIL"}`,
			);
			await sleep(300);
			return r;
		};
		let rate = settings.rampStartRate;
		let passRate = 0;
		let failRate = 0;
		for (let i = 0; i < settings.rampMaxSteps; i++) {
			const r = await step(rate);
			if (!r.pass) {
				failRate = rate;
				break;
			}
			passRate = rate;
			rate *= settings.rampFactor;
		}
		if (failRate > 0 && passRate > 0) {
			for (let i = 0; i < settings.bisectSteps; i++) {
				const mid = Math.sqrt(passRate * failRate);
				if ((await step(mid)).pass) passRate = mid;
				else failRate = mid;
			}
		}
		const passing = steps.filter((s) => s.pass);
		const best = passing.reduce<StepResult | null>(
			(a, s) => (a === null || s.deliveredPerSecond > a.deliveredPerSecond ? s : a),
			null,
		);
		result.throughput = { deliveredPerSecond: best?.deliveredPerSecond ?? 0, best, steps };
	}
	await closeAll([...receivers, ...senders]);

	// (d) idle: the room's code should not run at all while sockets only send `ping`.
	if (settings.idleServers.includes(server.name) && target.protocol !== "socketio") {
		result.idle = await runIdle(server, target, settings, round, tracker, log);
	}
	result.unknownDeliveries = tracker.unknown;
	return result;
}
