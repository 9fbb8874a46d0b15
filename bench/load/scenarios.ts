/**
 * Scenarios (a) to (e) and (g) on one server's room (see ../README.md for every setting), in three
 * parts so that a round can run the delivery steps of all its servers in turn (core-round.ts):
 * (a) and (e) in `openRoom`; (b), (c) and (g) (throughput.ts) in `runDeliveries`; (d) in `closeRoom`.
 */
import { performance } from "node:perf_hooks";
import { type RunningServer, sleep } from "../servers/launch.ts";
import type { BatchedResult, WideResult } from "./batched.ts";
import { type Conn, closeAll, openMany, type Target } from "./clients.ts";
import { type IdleResult, runIdle } from "./idle.ts";
import { type RegisterResult, timedRegister } from "./join-modes.ts";
import type { Settings } from "./settings.ts";
import { type LatencySummary, Samples, summarize } from "./stats.ts";
import { type Load, runThroughput, type ThroughputResult, type Turns } from "./throughput.ts";
import { type Phase, Tracker } from "./tracker.ts";

export interface FanoutResult {
	receivers: number;
	messages: number;
	/** Over every delivery of all slices together. */
	latencyMs: LatencySummary;
	/** Those deliveries' latencies (ms), for the p99 over all rounds. */
	samples: Samples;
	lost: number;
	duplicated: number;
	/** Frames the room's sockets received over the slices, and the server events in them (batched: more than one a frame). */
	frames: number;
	events: number;
	/** Each slice's own figures (its turn among the servers' slices). */
	slices: { messages: number; latencyMs: LatencySummary; lost: number; duplicated: number }[];
}

export interface ServerResult {
	server: string;
	round: number;
	register: RegisterResult[];
	fanout: FanoutResult | null;
	/** (c): stored messages. */
	throughput: ThroughputResult | null;
	/** (g): the same with signals (nothing stored). */
	signalThroughput: ThroughputResult | null;
	idle: IdleResult | null;
	errors: string[];
	unknownDeliveries: number;
	/** Batched frames (1.2, load/batched.ts): the busy room's fixed steps, unbatched (every server). */
	busy?: ThroughputResult | null;
	/** The wide-window saturated steps of (c) and (g) in the (c) room, unbatched (`wideServers`). */
	wide?: WideResult | null;
	/** Ours with every receiver batched. */
	batched?: BatchedResult | null;
}

type Log = (line: string) => void;

/** A server's room after (a): its receivers and senders open for (b), (c) and (g). */
export interface OpenRoom {
	server: RunningServer;
	target: Target;
	result: ServerResult;
	tracker: Tracker;
	conns: Conn[];
	load: Load;
}

/**
 * Runs (a) and (e), and opens the senders of (b), (c) and (g); `result` is pushed to `results`
 * first, so a later failure keeps what was measured.
 */
export async function openRoom(
	server: RunningServer,
	target: Target,
	context: { settings: Settings; round: number; log: Log; turns: Turns },
	results: ServerResult[],
): Promise<OpenRoom> {
	const { settings, round, log } = context;
	const tracker = new Tracker();
	const result: ServerResult = {
		server: server.name,
		round,
		register: [],
		fanout: null,
		throughput: null,
		signalThroughput: null,
		idle: null,
		errors: tracker.errors,
		unknownDeliveries: 0,
	};
	results.push(result);

	// (a) connect and register; the largest run's sockets stay for (b), (c) and (g), and its memory is (e).
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

	// The senders of (b), (c) and (g) join.
	const senders = await openMany(
		target,
		room,
		{ firstIndex: receivers.length, count: settings.throughputSenders, concurrency: 10, heartbeatMs },
		tracker,
	);
	const sockets = receivers.length + senders.length;
	await sleep(500);
	const load: Load = {
		server,
		tracker,
		senders,
		sockets,
		settings,
		log: (line) => log(`${server.name} ${line.trim()}`),
		turns: context.turns,
	};
	return { server, target, result, tracker, conns: [...receivers, ...senders], load };
}

/** (b) fan-out, (c) throughput of messages, then (g) of signals, each slice or step in its turn. */
export async function runDeliveries(room: OpenRoom): Promise<void> {
	room.result.fanout = await fanout(room.load);
	room.result.throughput = await runThroughput(room.load, "message", "(c)");
	room.result.signalThroughput = await runThroughput(room.load, "signal", "(g)");
}

/**
 * (b): the first sender sends a steady stream, in `fanoutSlices` slices that each take a turn;
 * every other socket of the room receives it. The figures are over all slices' deliveries together.
 */
export async function fanout(load: Load, label = "(b)"): Promise<FanoutResult> {
	const { settings, sockets } = load;
	const all = new Samples();
	const slices: FanoutResult["slices"] = [];
	let frames = 0;
	let events = 0;
	for (let i = 0; i < settings.fanoutSlices; i++) {
		const phase = await load.turns.take(() => fanoutSlice(load));
		all.add(phase.latencies);
		frames += phase.frames;
		events += phase.events;
		slices.push({
			messages: phase.expected / (sockets - 1),
			latencyMs: summarize(phase.latencies),
			lost: phase.expected - phase.delivered,
			duplicated: phase.duplicated,
		});
		await sleep(150);
	}
	const sum = (get: (s: FanoutResult["slices"][number]) => number) => slices.reduce((t, s) => t + get(s), 0);
	const result: FanoutResult = {
		receivers: sockets - 1,
		messages: sum((s) => s.messages),
		latencyMs: summarize(all),
		samples: all,
		lost: sum((s) => s.lost),
		duplicated: sum((s) => s.duplicated),
		frames,
		events,
		slices,
	};
	const l = result.latencyMs;
	load.log(
		`${label} fan-out of ${result.messages} messages to ${result.receivers}, ${slices.length} slices: p50 ${l.p50.toFixed(1)} p95 ${l.p95.toFixed(1)} p99 ${l.p99.toFixed(1)} max ${l.max.toFixed(1)} ms (slices' p99 ${slices.map((s) => s.latencyMs.p99.toFixed(0)).join(", ")}), lost ${result.lost}, dup ${result.duplicated}${events > frames ? `, ${(events / frames).toFixed(2)} events/frame` : ""}`,
	);
	return result;
}

/** One slice of (b): `fanoutRate` messages per second for `fanoutSeconds`, then the wait for their deliveries. */
async function fanoutSlice(load: Load): Promise<Phase> {
	const { tracker, senders, sockets, settings } = load;
	const sender = senders[0] as Conn;
	const phase = tracker.begin();
	const total = Math.round(settings.fanoutRate * settings.fanoutSeconds);
	const start = performance.now();
	for (let sent = 0; sent < total; ) {
		const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * settings.fanoutRate) + 1);
		for (; sent < due; sent++) sender.send("message", tracker.next(sockets, sockets - 1), performance.now());
		await sleep(5);
	}
	await tracker.drain(phase, settings.drainTimeoutMs);
	return phase;
}

/** Closes the room's sockets, then (d) idle: the room's code should not run while sockets only `ping`. */
export async function closeRoom(
	room: OpenRoom,
	context: { settings: Settings; round: number; log: Log },
): Promise<void> {
	const { server, target, result, tracker } = room;
	await closeAll(room.conns);
	if (context.settings.idleServers.includes(server.name) && target.protocol !== "socketio") {
		result.idle = await runIdle(server, target, context.settings, context.round, tracker, context.log);
	}
	result.unknownDeliveries = tracker.unknown;
}
