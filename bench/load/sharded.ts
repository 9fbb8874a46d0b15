/**
 * Scenario (h): a room spread over several objects against the same sockets in one object. Two
 * servers of ours' code: `sharded` places `sockets / objects` connections on each object
 * (`TEST_SHARD_CONNECTIONS`), `single` keeps every connection in the root (`SHARD_CONNECTIONS` 0),
 * for each of `shardedSizes`. Each registers its sockets (`count` presence: no roster
 * O(N²) to pay before the steps). One sender on each object of the sharded room (read from
 * `ConnectionEstablished.shard`), the same socket numbers in the single room, send (c)'s steps,
 * the two rooms' steps in turn. Every receiver checks each message off once (`Tracker`) and in
 * `seq` order (`OrderCheck`).
 */
import { type RunningServer, type ServerKind, sleep } from "../servers/launch.ts";
import { type Conn, closeAll, openMany, type Sink, type Target } from "./clients.ts";
import { cpuSecondsBetween, threadTimes } from "./proc-times.ts";
import type { Settings, ShardedSize } from "./settings.ts";
import type { ServerPair } from "./sharded-pair.ts";
import { runThroughput, type ThroughputResult, Turns } from "./throughput.ts";
import { Tracker } from "./tracker.ts";

export type ShardedLayout = "sharded" | "single";
export const SHARDED_LAYOUTS: readonly ShardedLayout[] = ["sharded", "single"];

/** Both servers run ours' Worker and Room with (c)'s raised limits (bench/servers/ours/wrangler.toml). */
export function shardedServerKind(layout: ShardedLayout, size: ShardedSize): ServerKind {
	const perObject = Math.ceil(size.sockets / size.objects);
	const vars: Record<string, string> =
		layout === "sharded"
			? { TEST_SHARD_CONNECTIONS: String(perObject), MAX_CONNECTIONS: String(size.sockets * 2) }
			: { SHARD_CONNECTIONS: "0", MAX_CONNECTIONS: String(Math.max(size.sockets * 2, 100)) };
	return { type: "wrangler", config: "bench/servers/ours/wrangler.toml", vars };
}

export interface ShardedResult {
	layout: ShardedLayout;
	round: number;
	sockets: number;
	/** The objects the room was set to spread over (`TEST_SHARD_CONNECTIONS` = sockets / objects). */
	plannedObjects: number;
	/** How many objects held the room's sockets, and how many sockets each (by `shard`). */
	objects: number;
	perObject: Record<string, number>;
	/** The senders' socket numbers and the object each was on (in the single room, all on 0). */
	senders: { index: number; shard: number }[];
	registerMs: number;
	/** Each process's CPU while the room is open and quiet (`root` and `shards`, or `all`), in cores. */
	idleCpuCores: Record<string, number>;
	throughput: ThroughputResult | null;
	/** Deliveries never made, counted once the room has closed (after a last wait). */
	lost: number;
	/** Deliveries made after their step's wait for them (late, not lost). */
	late: number;
	duplicated: number;
	/** Deliveries whose `seq` was below one the same receiver had already been given. */
	outOfOrder: number;
	unknownDeliveries: number;
	errors: string[];
}

/** Forwards to the tracker, and checks each receiver's `seq`s only grow. */
class OrderCheck implements Sink {
	readonly tracker = new Tracker();
	readonly shards: number[];
	readonly #lastSeq: Float64Array;
	outOfOrder = 0;

	constructor(sockets: number) {
		this.shards = new Array(sockets).fill(-1);
		this.#lastSeq = new Float64Array(sockets).fill(-1);
	}

	established(receiver: number, data: Buffer): void {
		const match = /"shard":(\d+)/.exec(data.toString("latin1"));
		this.shards[receiver] = match ? Number(match[1]) : 0;
	}

	sequenced(receiver: number, seq: number): void {
		const last = this.#lastSeq[receiver] as number;
		if (seq < last) this.outOfOrder++;
		else this.#lastSeq[receiver] = seq;
	}

	delivery(receiver: number, key: number, sentAt: number): void {
		this.tracker.delivery(receiver, key, sentAt);
	}

	error(receiver: number, text: string): void {
		this.tracker.error(receiver, text);
	}

	frame(receiver: number, events: number): void {
		this.tracker.frame(receiver, events);
	}
}

/** An open room of one layout, ready for its steps. */
export interface ShardedRoom {
	layout: ShardedLayout;
	server: RunningServer;
	check: OrderCheck;
	conns: Conn[];
	result: ShardedResult;
}

export async function openShardedRoom(
	layout: ShardedLayout,
	server: RunningServer,
	target: Target,
	settings: Settings,
	size: ShardedSize,
	round: number,
	log: (line: string) => void,
): Promise<ShardedRoom> {
	const sockets = size.sockets;
	const check = new OrderCheck(sockets);
	const room = `sharded-${layout}-${sockets}-${round}-${Date.now()}`;
	const pair = server as Partial<ServerPair>;
	await pair.prepareRoom?.(room, size.objects - 1);
	const open = (at: Target, firstIndex: number, count: number) =>
		openMany(
			at,
			room,
			{
				firstIndex,
				count,
				concurrency: settings.connectConcurrency,
				heartbeatMs: settings.heartbeatSeconds * 1000,
				presence: "count",
				// 10,000 handshakes on a loaded machine: one reset must not lose the whole room.
				retries: 3,
			},
			check,
		);
	const started = performance.now();
	let conns: Conn[];
	if (pair.shardsWsOrigin === undefined) conns = await open(target, 0, sockets);
	else {
		// The root fills first: its sockets connect to its own session, the others to the shards' (sharded-pair.ts).
		const onRoot = Math.ceil(sockets / size.objects);
		const shardsOrigin = pair.shardsWsOrigin;
		const toShards: Target = { ...target, roomUrl: (name) => `${shardsOrigin}/rooms/${name}/ws` };
		conns = [...(await open(target, 0, onRoot)), ...(await open(toShards, onRoot, sockets - onRoot))];
	}
	const registerMs = performance.now() - started;
	const perObject: Record<string, number> = {};
	for (const shard of check.shards) perObject[shard] = (perObject[shard] ?? 0) + 1;
	log(
		`(h) ${layout}: ${sockets} sockets registered in ${(registerMs / 1000).toFixed(1)} s, per object ${JSON.stringify(perObject)}`,
	);
	return {
		layout,
		server,
		check,
		conns,
		result: {
			layout,
			round,
			sockets,
			plannedObjects: size.objects,
			objects: Object.keys(perObject).length,
			perObject,
			senders: [],
			registerMs,
			idleCpuCores: {},
			throughput: null,
			lost: 0,
			late: 0,
			duplicated: 0,
			outOfOrder: 0,
			unknownDeliveries: 0,
			errors: [],
		},
	};
}

/** One sender per object of the sharded room: the first socket each object holds. */
export function sendersOnEveryObject(sharded: ShardedRoom): number[] {
	const first = new Map<number, number>();
	sharded.check.shards.forEach((shard, index) => {
		if (!first.has(shard)) first.set(shard, index);
	});
	return [...first.entries()].sort((a, b) => a[0] - b[0]).map(([, index]) => index);
}

/**
 * Each process's CPU (cores) while the room's sockets are open and nobody sends (heartbeats only):
 * what it costs whatever the rate, left out of the per-message costs at a low fixed rate.
 */
async function idleCpu(server: RunningServer, seconds: number): Promise<Record<string, number>> {
	const parts = Object.entries(server.parts?.() ?? { all: server.workPids() });
	const before = parts.map(([, pids]) => threadTimes(pids));
	const started = performance.now();
	await sleep(seconds * 1000);
	const elapsed = (performance.now() - started) / 1000;
	return Object.fromEntries(
		parts.map(([part, pids], i) => [
			part,
			cpuSecondsBetween(before[i] as ReturnType<typeof threadTimes>, threadTimes(pids)) / elapsed,
		]),
	);
}

/** Runs (c)'s steps in both rooms, in turn; `senders` are socket numbers, the same in both. */
export async function runShardedSteps(
	rooms: ShardedRoom[],
	senders: number[],
	settings: Settings,
	size: ShardedSize,
	log: (line: string) => void,
): Promise<void> {
	const turns = new Turns();
	const stepSettings: Settings = {
		...settings,
		fixedRate: size.fixedRate,
		drainTimeoutMs: settings.shardedDrainMs,
		saturationWindow: size.windowMessages * (size.sockets - 1),
	};
	await Promise.all(
		rooms.map(async (room) => {
			room.result.senders = senders.map((index) => ({ index, shard: room.check.shards[index] ?? -1 }));
			const load = {
				server: room.server,
				tracker: room.check.tracker,
				senders: senders.map((index) => room.conns[index] as Conn),
				sockets: size.sockets,
				settings: stepSettings,
				log,
				turns,
			};
			room.result.idleCpuCores = await turns.take(() => idleCpu(room.server, settings.shardedIdleSeconds));
			log(`(h) ${room.layout} idle: ${JSON.stringify(room.result.idleCpuCores)} cores`);
			const throughput = await runThroughput(load, "message", `(h) ${room.layout}`);
			room.result.throughput = throughput;
		}),
	);
}

/** Closes a room's sockets and totals what its receivers saw. */
export async function closeShardedRoom(room: ShardedRoom, waitMs: number): Promise<ShardedResult> {
	const { result, check } = room;
	// A delivery later than its step's wait still counts as made: wait while the missing ones keep arriving.
	const deadline = performance.now() + waitMs;
	let missing = check.tracker.missing();
	while (missing > 0 && performance.now() < deadline) {
		await sleep(1000);
		const now = check.tracker.missing();
		if (now === missing) break;
		missing = now;
	}
	await closeAll(room.conns);
	const steps = result.throughput?.steps ?? [];
	result.lost = check.tracker.missing();
	result.late = Math.max(0, steps.reduce((sum, s) => sum + s.lost, 0) - result.lost);
	result.duplicated = steps.reduce((sum, s) => sum + s.duplicated, 0);
	result.outOfOrder = check.outOfOrder;
	result.unknownDeliveries = check.tracker.unknown;
	result.errors = check.tracker.errors;
	return result;
}
