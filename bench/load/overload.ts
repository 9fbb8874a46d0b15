/**
 * Scenario (j) overload (issue 24): a room's own members, each within its own rate limit, ask it
 * to deliver far more than it can, as cursors and typing do (the fan-out grows with the square of
 * the room: 100 members sending 19 signals a second ask for 188,100 deliveries a second). Meanwhile
 * one more socket sends a chat message every 100 ms; what is measured is how late those messages
 * reach the members, and how much of the flood the room refused (`RATE_LIMITED`) to keep them on
 * time. Two loads, each its own step in a fresh server process, stopped at the step's end so that
 * a backlog a server built up dies with it instead of slowing the next step: every member sends
 * `Signal`s, then every member (presence `events`) sends `UpdateUser`s with a moving cursor.
 * Every loop is bounded in count and in time; what has not arrived when a step gives up is lost.
 */
import { performance } from "node:perf_hooks";
import { type RunningServer, sleep } from "../servers/launch.ts";
import { type Conn, closeAll, openMany, type Sink, type Target } from "./clients.ts";
import type { RoundContext } from "./core-round.ts";
import { dueFrames, FLOOD_KINDS, type FloodKind, floodFrame, isFloodDelivery } from "./flood.ts";
import { type MessageAccount, MessageBook, readError } from "./message-book.ts";
import { busiestThreadWait, cpuSecondsBetween, threadTimes } from "./proc-times.ts";
import type { Settings } from "./settings.ts";
import { type LatencySummary, Samples, summarize } from "./stats.ts";

/** The sender's messages as load/message-book.ts counts them, and the flood beside them. */
export interface OverloadStep extends Omit<MessageAccount, "latencies"> {
	server: string;
	round: number;
	flood: FloodKind;
	members: number;
	/** Each member's flood frames per second. */
	ratePerMember: number;
	/** Flood frames sent, and those the loop skipped because it woke too late to send them in pace. */
	floodSent: number;
	floodSkipped: number;
	/** Flood frames answered `RATE_LIMITED`, and their share of those sent. */
	floodRefused: number;
	refusedShare: number;
	/** Flood events (`Signal`, `UserUpdated`) the members received per second while the flood ran. */
	floodDeliveriesPerSecond: number;
	/** Sockets closed by the server during the step. */
	closed: number;
	/** Errors other than a flood frame's `RATE_LIMITED` (the first few). */
	otherErrors: string[];
	/** From the flood's start to the end of the wait for the last messages. */
	seconds: number;
	serverCpuCores: number;
	/** How long the server's busiest thread waited for a CPU held by another process (s): the machine's other load. */
	serverWaitSeconds: number;
	clientCpuCores: number;
	/** Over every message delivery due, a lost one at the time it had waited. */
	latencyMs: LatencySummary;
	samples: Samples;
}

/** A loop that woke later than this does not send the missed frames (a burst past a member's own bucket). */
const MAX_LATE_MS = 500;
/** Join frames still arriving after the last `Registered` are left to settle before the flood. */
const SETTLE_MS = 1000;

/** Members are receivers 0 … members-1; the message sender is `members`. */
class OverloadSink implements Sink {
	readonly book: MessageBook;
	readonly #sender: number;
	counting = false;
	flooding = false;
	floodRefused = 0;
	floodDeliveries = 0;
	closedSockets = 0;
	readonly otherErrors: string[] = [];

	constructor(members: number) {
		this.book = new MessageBook(members);
		this.#sender = members;
	}

	delivery(receiver: number, key: number): void {
		this.book.deliver(receiver, key, performance.now());
	}

	error(receiver: number, text: string): void {
		const error = readError(text);
		// a refused Register while joining is not the flood's
		if (!this.counting) return;
		if (receiver !== this.#sender && error?.code === "RATE_LIMITED") this.floodRefused++;
		else if (receiver === this.#sender && error?.code === "RATE_LIMITED" && error.requestId?.startsWith("m")) {
			this.book.refuse(Number(error.requestId.slice(1)));
		} else if (this.otherErrors.length < 10) this.otherErrors.push(text);
	}

	other(_receiver: number, data: Buffer): void {
		if (this.flooding && isFloodDelivery(data)) this.floodDeliveries++;
	}

	closed(): void {
		if (this.counting) this.closedSockets++;
	}
}

/** The flood and the messages, for `overloadSeconds`; returns the flood frames sent and skipped. */
async function sendLoad(members: Conn[], sender: Conn, flood: FloodKind, settings: Settings, book: MessageBook) {
	const perMember = flood === "signal" ? settings.floodSignalRate : settings.floodUpdateRate;
	const floodPerSecond = perMember * members.length;
	const floods = {
		perSecond: floodPerSecond,
		total: floodPerSecond * settings.overloadSeconds,
		maxLateMs: MAX_LATE_MS,
	};
	const warmUpMs = settings.overloadWarmUpSeconds * 1000;
	const messages = {
		perSecond: 1000 / settings.overloadMessageEveryMs,
		total: Math.floor((settings.overloadSeconds * 1000 - warmUpMs) / settings.overloadMessageEveryMs),
		maxLateMs: Number.POSITIVE_INFINITY,
	};
	const start = performance.now();
	const end = start + settings.overloadSeconds * 1000;
	let next = 0;
	let skipped = 0;
	let sentMessages = 0;
	while (performance.now() < end) {
		const elapsed = performance.now() - start;
		const due = dueFrames(elapsed, next, floods);
		skipped += due.skip;
		next += due.skip;
		for (let i = 0; i < due.send; i++, next++) {
			(members[next % members.length] as Conn).sendText(floodFrame(flood, next));
		}
		const dueMessages = dueFrames(elapsed - warmUpMs, sentMessages, messages).send;
		for (let i = 0; i < dueMessages; i++, sentMessages++) {
			const now = performance.now();
			sender.send("message", book.send(now), now);
		}
		await sleep(2);
	}
	return { sent: next - skipped, skipped, perMember };
}

/**
 * One load on one freshly started server: the members and the sender join, the load runs, the
 * step waits at most `overloadDrainMs` for the last messages, then stops the server and closes
 * the sockets (a stopped server's sockets close at once, a flooded one's might not).
 */
export async function runOverloadStep(
	up: { server: RunningServer; target: Target },
	flood: FloodKind,
	context: { settings: Settings; round: number; log: (line: string) => void },
): Promise<OverloadStep> {
	const { server, target } = up;
	const { settings, round } = context;
	const n = settings.overloadMembers;
	const sink = new OverloadSink(n);
	const conns: Conn[] = [];
	const room = `overload-${flood}-${round}`;
	const heartbeatMs = settings.heartbeatSeconds * 1000;
	try {
		const base = { concurrency: settings.connectConcurrency, heartbeatMs, presence: "events" } as const;
		conns.push(...(await openMany(target, room, { ...base, firstIndex: 0, count: n }, sink)));
		const [sender] = await openMany(target, room, { ...base, firstIndex: n, count: 1 }, sink);
		conns.push(sender as Conn);
		await sleep(SETTLE_MS);
		sink.counting = true;
		sink.flooding = true;
		const threads0 = threadTimes(server.workPids());
		const clientCpu0 = process.cpuUsage();
		const start = performance.now();
		const sent = await sendLoad(conns.slice(0, n), sender as Conn, flood, settings, sink.book);
		sink.flooding = false;
		const floodSeconds = (performance.now() - start) / 1000;
		const deadline = performance.now() + settings.overloadDrainMs;
		while (!sink.book.complete && performance.now() < deadline) await sleep(20);
		const giveUpAt = performance.now();
		const seconds = (giveUpAt - start) / 1000;
		const threads1 = threadTimes(server.workPids());
		const serverCpu = cpuSecondsBetween(threads0, threads1);
		const clientCpu = process.cpuUsage(clientCpu0);
		const { latencies, ...account } = sink.book.account(giveUpAt);
		const samples = new Samples();
		for (const latency of latencies) samples.push(latency);
		const step: OverloadStep = {
			server: server.name,
			round,
			flood,
			members: n,
			ratePerMember: sent.perMember,
			floodSent: sent.sent,
			floodSkipped: sent.skipped,
			floodRefused: sink.floodRefused,
			refusedShare: sent.sent ? sink.floodRefused / sent.sent : Number.NaN,
			floodDeliveriesPerSecond: sink.floodDeliveries / floodSeconds,
			closed: sink.closedSockets,
			otherErrors: sink.otherErrors,
			seconds,
			serverCpuCores: serverCpu / seconds,
			serverWaitSeconds: busiestThreadWait(threads0, threads1),
			clientCpuCores: (clientCpu.user + clientCpu.system) / 1e6 / seconds,
			...account,
			latencyMs: summarize(samples),
			samples,
		};
		logStep(step, context.log);
		return step;
	} finally {
		await server.stop();
		await closeAll(conns);
	}
}

function logStep(s: OverloadStep, log: (line: string) => void): void {
	const l = s.latencyMs;
	const events = s.flood === "signal" ? "signals" : "updates";
	log(
		`  ${s.server} (j) ${events} ${s.ratePerMember}/s × ${s.members}: ${s.floodSent} sent (${s.floodSkipped} skipped), ${(s.refusedShare * 100).toFixed(1)} % refused, ${s.floodDeliveriesPerSecond.toFixed(0)} flood deliveries/s; ${s.messages} messages (${s.refused} refused): p50 ${l.p50.toFixed(1)} p95 ${l.p95.toFixed(1)} p99 ${l.p99.toFixed(1)} ms, lost ${s.lost}/${s.expected}, dup ${s.duplicated}; ${s.closed} closed; server ${s.serverCpuCores.toFixed(2)} cores (waited ${s.serverWaitSeconds.toFixed(1)} of ${s.seconds.toFixed(1)} s), client ${s.clientCpuCores.toFixed(2)}`,
	);
	if (s.otherErrors.length) log(`  ${s.server} (j) other errors: ${s.otherErrors.slice(0, 3).join(" | ")}`);
}

/**
 * One round of (j): for each load, every server of `names` in turn, each in a fresh process that
 * `context.start` gives (ours at its default limits); a failed step is recorded and the round goes on.
 */
export async function runOverloadRound(names: string[], context: RoundContext, results: OverloadStep[]) {
	for (const flood of FLOOD_KINDS) {
		for (const name of names) {
			const label = `${name} (j) ${flood}s`;
			const begun = performance.now();
			let server: RunningServer | undefined;
			try {
				const up = await context.start(name);
				server = up.server;
				results.push(await runOverloadStep(up, flood, context));
			} catch (error) {
				context.failed(label, error, server);
			}
			context.log(`  ${label} done in ${((performance.now() - begun) / 1000).toFixed(1)} s`);
		}
	}
}
