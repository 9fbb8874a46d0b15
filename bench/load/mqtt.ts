/**
 * Bench (i), MQTT fan-out: `mqttSubscribers` sessions subscribed to one topic, (c)'s publishers
 * publishing to it in saturated steps (throughput.ts), first at QoS 0 then at QoS 1 (each pass
 * subscribes again at its QoS, so that a delivery's QoS is the pass's on any broker). The rooms'
 * steps take turns, as (c)'s do (which goes first rotates by round):
 *
 * - `ours-mqttjs`, `ours-whole`: ours over `GET /rooms/:room/mqtt`, topic `messages`, with MQTT.js
 *   as shipped and with whole-packet frames (mqtt-clients.ts);
 * - `json`: ours over the JSON protocol in the same workerd, a room of the same size (its
 *   senders are in the room too, so each message reaches the subscribers and the other senders);
 * - `mosquitto-mqttjs`, `mosquitto-whole`: Debian's mosquitto on its WebSocket listener, topic
 *   `ROOM/messages` (one broker, a topic a room).
 *
 * Then the idle part on ours (mqtt-idle.ts). The figures are the server's deliveries per CPU
 * second and per server second (mqtt-rates.ts, mqtt-report.ts).
 */
import { performance } from "node:perf_hooks";
import { type RunningServer, type ServerKind, sleep } from "../servers/launch.ts";
import { type Conn, closeAll, openMany, type Target } from "./clients.ts";
import { MQTT_CLIENT_KINDS, type MqttSession, openManyMqtt, publisherConn } from "./mqtt-clients.ts";
import { runMqttIdle } from "./mqtt-idle.ts";
import type { MqttBroker, MqttClientKind, MqttIdleResult, MqttVariant, Qos } from "./mqtt-rates.ts";
import type { Settings } from "./settings.ts";
import { type Load, runThroughput, type ThroughputResult, Turns } from "./throughput.ts";
import { Tracker } from "./tracker.ts";

export interface MqttFanoutResult {
	variant: MqttVariant;
	qos: Qos;
	subscribers: number;
	throughput: ThroughputResult;
	/** Deliveries of the pass still missing after its last wait (`LATE_MS`): lost. */
	missing: number;
	errors: string[];
}

export interface MqttRoundResult {
	round: number;
	fanout: MqttFanoutResult[];
	idle: MqttIdleResult[];
}

export interface MqttRoundContext {
	settings: Settings;
	round: number;
	log: (line: string) => void;
	/** Ours (a Workers server of the benchmark), reached as the other scenarios reach it. */
	start(name: string, kind: ServerKind): Promise<{ server: RunningServer; target: Target }>;
	startMosquitto(name: string): Promise<RunningServer>;
	failed(label: string, error: unknown, server?: RunningServer): void;
}

/**
 * Ours with (c)'s raised limits and no leave grace: a closed room's users leave at its close, not
 * 10 s later in the middle of the next measured window.
 */
const OURS: ServerKind = {
	type: "wrangler",
	config: "bench/servers/ours/wrangler.toml",
	vars: { LEAVE_GRACE_SECONDS: "0" },
};

/**
 * A step waits this long for its last deliveries (its rate counts to the last one): a QoS 1 room
 * of ours delivers a saturated window in about a second, and a stall of the machine adds to it.
 */
const STEP_DRAIN_MS = 5_000;
/** After a pass, how long its last deliveries may still come before they count as lost. */
const LATE_MS = 15_000;

/** One room of the fan-out: its subscribers (or JSON receivers), and its senders at each QoS. */
interface FanoutRoom {
	variant: MqttVariant;
	server: RunningServer;
	tracker: Tracker;
	subscribers: MqttSession[];
	/** The JSON room's sockets, receivers then senders. */
	conns: Conn[];
	publishers: MqttSession[];
	topic: string;
	/** Every index the tracker may see, and so `sockets − 1` receivers a message (throughput.ts). */
	sockets: number;
}

export async function runMqttRound(context: MqttRoundContext, results: MqttRoundResult[]): Promise<void> {
	const { settings, round, log } = context;
	const result: MqttRoundResult = { round, fanout: [], idle: [] };
	results.push(result);
	const servers: RunningServer[] = [];
	const rooms: FanoutRoom[] = [];
	try {
		const { server: ours, target } = await context.start("ours-mqtt", OURS);
		servers.push(ours);
		let mosquitto: RunningServer | undefined;
		try {
			mosquitto = await context.startMosquitto("mosquitto");
			servers.push(mosquitto);
		} catch (error) {
			context.failed("(i) mosquitto", error);
		}
		const variants: MqttVariant[] = ["json", ...MQTT_CLIENT_KINDS.map((kind) => `ours-${kind}` as const)];
		if (mosquitto) variants.push(...MQTT_CLIENT_KINDS.map((kind) => `mosquitto-${kind}` as const));
		const order = variants.map((_, i) => variants[(i + round) % variants.length] as MqttVariant);
		for (const variant of order) {
			const server = variant.startsWith("mosquitto") ? (mosquitto as RunningServer) : ours;
			try {
				rooms.push(
					variant === "json"
						? await openJsonRoom(target, server, context)
						: await openMqttRoom(variant, server, context),
				);
			} catch (error) {
				// the others still run: a broker that refuses sessions is a finding, not the end of (i)
				context.failed(`(i) ${variant}`, error, server);
			}
		}
		const turns = new Turns();
		const stepSettings: Settings = {
			...settings,
			warmUpSteps: settings.mqttWarmUpSteps,
			fixedSteps: 0,
			samples: settings.mqttSamples,
			drainTimeoutMs: Math.max(settings.drainTimeoutMs, STEP_DRAIN_MS),
		};
		for (const qos of [0, 1] as const) {
			await Promise.all(rooms.map((room) => subscribeAll(room, qos, settings.connectConcurrency)));
			const missingBefore = rooms.map((room) => room.tracker.missing());
			log(`(i) QoS ${qos}: saturated steps in turn on ${order.join(", ")}`);
			const runs = await Promise.all(
				rooms.map((room) =>
					runThroughput(fanoutLoad(room, qos, stepSettings, turns, log), "message", `(i) QoS ${qos}`),
				),
			);
			await waitForLate(rooms);
			rooms.forEach((room, i) => {
				const missing = room.tracker.missing() - (missingBefore[i] as number);
				if (missing) log(`(i) ${room.variant} QoS ${qos}: ${missing} deliveries never came`);
				result.fanout.push({
					variant: room.variant,
					qos,
					subscribers: settings.mqttSubscribers,
					throughput: runs[i] as ThroughputResult,
					missing,
					errors: room.tracker.errors.slice(),
				});
			});
		}
		await closeRooms(rooms.splice(0));
		await runMqttIdle(ours, target, settings, round, log, result.idle);
	} finally {
		await closeRooms(rooms);
		await Promise.all(servers.map((server) => server.stop()));
	}
}

async function closeRooms(rooms: readonly FanoutRoom[]): Promise<void> {
	for (const room of rooms) {
		await closeAll(room.conns);
		for (const session of [...room.subscribers, ...room.publishers]) await session.close();
	}
}

/** `mqttSubscribers` receivers and (c)'s senders registered in `count` mode, as MQTT sessions are. */
async function openJsonRoom(target: Target, server: RunningServer, context: MqttRoundContext): Promise<FanoutRoom> {
	const { settings, round, log } = context;
	const tracker = new Tracker();
	const room = `mqtt-json-${round}`;
	const conns = await openMany(
		target,
		room,
		{
			firstIndex: 0,
			count: settings.mqttSubscribers + settings.throughputSenders,
			concurrency: settings.connectConcurrency,
			heartbeatMs: settings.heartbeatSeconds * 1000,
			presence: "count",
		},
		tracker,
	);
	log(`(i) json: ${conns.length} sockets registered in ${room}`);
	return { variant: "json", server, tracker, subscribers: [], conns, publishers: [], topic: "", sockets: conns.length };
}

/** `mqttSubscribers` sessions and (c)'s number of publishers, every one clean, keep alive 60 s. */
async function openMqttRoom(
	variant: MqttVariant,
	server: RunningServer,
	context: MqttRoundContext,
): Promise<FanoutRoom> {
	const { settings, round, log } = context;
	const [broker, kind] = variant.split("-") as [MqttBroker, MqttClientKind];
	const tracker = new Tracker();
	const room = `mqtt-${kind}-${round}`;
	const url = broker === "ours" ? `${server.wsOrigin}/rooms/${room}/mqtt` : server.wsOrigin;
	const common = { kind, url, keepalive: 60 };
	// one broker holds both mosquitto rooms: client identifiers name the room too
	const subscribers = await openManyMqtt(
		{ ...common, prefix: `${room}-s`, firstIndex: 0, count: settings.mqttSubscribers },
		settings.connectConcurrency,
		tracker,
	);
	const publishers = await openManyMqtt(
		{ ...common, prefix: `${room}-p`, firstIndex: settings.mqttSubscribers, count: settings.throughputSenders },
		settings.connectConcurrency,
		tracker,
	);
	const topic = broker === "ours" ? "messages" : `${room}/messages`;
	log(`(i) ${variant}: ${subscribers.length} subscribers and ${publishers.length} publishers connected (${url})`);
	// the publishers are not in the tracker: N + 1 indices make throughput.ts expect N deliveries a message
	return { variant, server, tracker, subscribers, conns: [], publishers, topic, sockets: subscribers.length + 1 };
}

/** Until every room has every delivery of every message sent, or `LATE_MS`. */
async function waitForLate(rooms: readonly FanoutRoom[]): Promise<void> {
	const end = performance.now() + LATE_MS;
	while (performance.now() < end && rooms.some((room) => room.tracker.missing() > 0)) await sleep(250);
}

async function subscribeAll(room: FanoutRoom, qos: Qos, concurrency: number): Promise<void> {
	for (let i = 0; i < room.subscribers.length; i += concurrency) {
		await Promise.all(room.subscribers.slice(i, i + concurrency).map((s) => s.subscribe(room.topic, qos)));
	}
	if (room.subscribers.length) await sleep(300);
}

function fanoutLoad(room: FanoutRoom, qos: Qos, settings: Settings, turns: Turns, log: (line: string) => void): Load {
	const senders =
		room.variant === "json"
			? room.conns.slice(settings.mqttSubscribers)
			: room.publishers.map((p) => publisherConn(p, room.topic, qos));
	return {
		server: room.server,
		tracker: room.tracker,
		senders,
		sockets: room.sockets,
		settings,
		log: (line) => log(`${room.variant} ${line.trim()}`),
		turns,
	};
}
