/**
 * The cost of room events (1.4): (c)'s room and steps on three servers of ours' code, each fresh,
 * their steps in turn (which goes first rotates by round): events off (wrangler.toml), every event
 * type to a webhook (events.toml, `message.created` on) and the webhook without `message.created`
 * (events-no-messages.toml). Each webhook is a receiver of its own in this process
 * (events-receiver.ts) that answers at once. Reported per server: (c)'s figures; for the two with
 * events, what the receiver got (duplicates, gaps, `message.created` missing by message) and each
 * `message.created`'s delay from its message's send to its receipt, split by the kind of step
 * the message was sent in.
 */
import { performance } from "node:perf_hooks";
import { type RunningServer, type ServerKind, sleep } from "../servers/launch.ts";
import { closeAll, openMany, type Target } from "./clients.ts";
import {
	type EventCounts,
	type EventsReceiver,
	type MessageEventReceipt,
	startEventsReceiver,
} from "./events-receiver.ts";
import type { Settings } from "./settings.ts";
import { type LatencySummary, Samples, summarize } from "./stats.ts";
import { type Load, runThroughput, type StepResult, type ThroughputResult, Turns } from "./throughput.ts";
import { Tracker } from "./tracker.ts";

export const EVENTS_VARIANTS = ["off", "messages", "noMessages"] as const;
export type EventsVariant = (typeof EVENTS_VARIANTS)[number];

const CONFIGS: Record<EventsVariant, string> = {
	off: "bench/servers/ours/wrangler.toml",
	messages: "bench/servers/ours/events.toml",
	noMessages: "bench/servers/ours/events-no-messages.toml",
};

/** After the last step, how long the receiver may take to get the last `message.created`s. */
const EVENTS_DRAIN_MS = 15_000;

export interface EventsResult {
	variant: EventsVariant;
	round: number;
	sockets: number;
	throughput: ThroughputResult;
	/** Messages sent in every step, the warm-up's too (each should come back as one `message.created`). */
	sent: number;
	/** What the webhook got; null with events off. */
	received: EventCounts | null;
	/** Messages sent without a `message.created` received for them (with `message.created` on). */
	missingMessages: number;
	/** Send to receipt of `message.created`, by the kind of step the message was sent in (warm-up left out). */
	fixedDelayMs: LatencySummary | null;
	saturatedDelayMs: LatencySummary | null;
	/** The same fixed-step delays, for the percentiles over every round. */
	fixedDelaySamples: Samples;
	/** Webhook requests received during the counted fixed steps, and messages sent in them. */
	fixedRequests: number;
	fixedMessages: number;
	/** Send to the room's `at` (the message stored), fixed steps: the part of the delay before the outbox. */
	fixedStoredMs: LatencySummary | null;
	errors: string[];
}

export interface EventsRoundContext {
	settings: Settings;
	round: number;
	log: (line: string) => void;
	start(name: string, kind: ServerKind): Promise<{ server: RunningServer; target: Target }>;
}

interface StepWindow {
	start: number;
	end: number;
	kind: StepResult["kind"];
	sent: number;
}

/** A server's share of the round's turns that also notes when each of its steps ran, and its kind. */
class WindowedTurns extends Turns {
	readonly windows: StepWindow[] = [];
	readonly #shared: Turns;

	constructor(shared: Turns) {
		super();
		this.#shared = shared;
	}

	override take<T>(run: () => Promise<T>): Promise<T> {
		return this.#shared.take(async () => {
			const start = performance.now();
			const result = await run();
			const step = result as unknown as StepResult;
			this.windows.push({ start, end: performance.now(), kind: step.kind, sent: step.sent ?? 0 });
			return result;
		});
	}
}

interface EventsRoom {
	variant: EventsVariant;
	server: RunningServer;
	receiver: EventsReceiver | undefined;
	load: Load;
	turns: WindowedTurns;
	conns: Awaited<ReturnType<typeof openMany>>;
	tracker: Tracker;
}

export async function runEventsRound(context: EventsRoundContext, results: EventsResult[]): Promise<void> {
	const { settings, round, log } = context;
	const order = EVENTS_VARIANTS.map((_, i) => EVENTS_VARIANTS[(i + round) % EVENTS_VARIANTS.length] as EventsVariant);
	const shared = new Turns();
	const rooms: EventsRoom[] = [];
	const receivers: EventsReceiver[] = [];
	try {
		for (const variant of order) {
			const receiver = variant === "off" ? undefined : await startEventsReceiver();
			if (receiver) receivers.push(receiver);
			const kind: ServerKind = {
				type: "wrangler",
				config: CONFIGS[variant],
				vars: receiver ? { WEBHOOK_URL: receiver.url } : undefined,
			};
			const { server, target } = await context.start(`ours-events-${variant}`, kind);
			rooms.push(await openEventsRoom(variant, server, target, receiver, shared, context));
		}
		log(`(events) steps in turn: ${order.join(", ")}`);
		const runs = await Promise.all(rooms.map((room) => runThroughput(room.load, "message", "(c)")));
		await waitForMessageEvents(rooms);
		for (const [i, room] of rooms.entries()) {
			await closeAll(room.conns);
			const result = eventsResult(room, runs[i] as ThroughputResult, settings, round);
			results.push(result);
			const c = result.received;
			log(
				`(events) ${room.variant}: ${result.throughput.fixedCpuUsPerDelivery.toFixed(2)} µs/delivery at the fixed rate${
					c
						? `; ${c.events} events in ${c.requests} requests (${Object.entries(c.byType)
								.map(([type, n]) => `${type} ${n}`)
								.join(
									", ",
								)}), duplicated ${c.duplicated}, missing seqs ${c.missingSeqs}, message events missing ${result.missingMessages}${
								result.fixedDelayMs
									? `, delay at the fixed rate p50 ${result.fixedDelayMs.p50.toFixed(1)} p99 ${result.fixedDelayMs.p99.toFixed(1)} ms, ${result.fixedRequests} requests for ${result.fixedMessages} messages in the fixed steps`
									: ""
							}`
						: ""
				}`,
			);
		}
	} finally {
		await Promise.all(rooms.map((room) => room.server.stop()));
		await Promise.all(receivers.map((receiver) => receiver.close()));
	}
}

/** (c)'s room: `eventsSockets` receivers and (c)'s senders, registered. */
async function openEventsRoom(
	variant: EventsVariant,
	server: RunningServer,
	target: Target,
	receiver: EventsReceiver | undefined,
	shared: Turns,
	context: EventsRoundContext,
): Promise<EventsRoom> {
	const { settings, round, log } = context;
	const tracker = new Tracker();
	const room = `events-${round}-${variant}`;
	const heartbeatMs = settings.heartbeatSeconds * 1000;
	const count = settings.eventsSockets + settings.throughputSenders;
	const conns = await openMany(
		target,
		room,
		{ firstIndex: 0, count, concurrency: settings.connectConcurrency, heartbeatMs },
		tracker,
	);
	const senders = conns.slice(settings.eventsSockets);
	await sleep(500);
	const turns = new WindowedTurns(shared);
	const load: Load = {
		server,
		tracker,
		senders,
		sockets: conns.length,
		settings,
		log: (line) => log(`${server.name} ${line.trim()}`),
		turns,
	};
	log(`(events) ${variant}: ${conns.length} sockets registered in ${room}`);
	return { variant, server, receiver, load, turns, conns, tracker };
}

/** Until every message sent has its `message.created` at its receiver, or `EVENTS_DRAIN_MS`. */
async function waitForMessageEvents(rooms: readonly EventsRoom[]): Promise<void> {
	const end = performance.now() + EVENTS_DRAIN_MS;
	const waiting = rooms.filter((room) => room.variant === "messages" && room.receiver);
	const due = (room: EventsRoom) => room.turns.windows.reduce((sum, w) => sum + w.sent, 0);
	while (performance.now() < end && waiting.some((room) => distinctKeys(room.receiver?.messages ?? []) < due(room))) {
		await sleep(100);
	}
	// the last request's other events (and any duplicate) a moment to land
	await sleep(500);
}

function distinctKeys(messages: readonly MessageEventReceipt[]): number {
	return new Set(messages.map((m) => m.key)).size;
}

function eventsResult(room: EventsRoom, throughput: ThroughputResult, settings: Settings, round: number): EventsResult {
	const { windows } = room.turns;
	const sent = windows.reduce((sum, w) => sum + w.sent, 0);
	const counted = windows.slice(settings.warmUpSteps);
	const fixed = new Samples();
	const saturated = new Samples();
	const stored = new Samples();
	const messages = room.receiver?.messages ?? [];
	const firstReceipt = new Map<number, MessageEventReceipt>();
	for (const m of messages) if (!firstReceipt.has(m.key)) firstReceipt.set(m.key, m);
	for (const m of firstReceipt.values()) {
		const step = counted.find((w) => m.sentAt >= w.start && m.sentAt <= w.end);
		if (step?.kind === "fixed") {
			fixed.push(m.receivedAt - m.sentAt);
			stored.push(m.storedAt - m.sentAt);
		} else if (step?.kind === "saturated") saturated.push(m.receivedAt - m.sentAt);
	}
	const withMessages = room.variant === "messages";
	const fixedWindows = counted.filter((w) => w.kind === "fixed");
	const inFixed = (at: number) => fixedWindows.some((w) => at >= w.start && at <= w.end);
	return {
		variant: room.variant,
		round,
		sockets: room.load.sockets,
		throughput,
		sent,
		received: room.receiver?.counts() ?? null,
		missingMessages: withMessages ? Math.max(0, sent - firstReceipt.size) : 0,
		fixedDelayMs: fixed.length ? summarize(fixed) : null,
		saturatedDelayMs: saturated.length ? summarize(saturated) : null,
		fixedDelaySamples: fixed,
		fixedRequests: (room.receiver?.requestTimes ?? []).filter(inFixed).length,
		fixedMessages: fixedWindows.reduce((sum, w) => sum + w.sent, 0),
		fixedStoredMs: stored.length ? summarize(stored) : null,
		errors: room.tracker.errors,
	};
}
