/**
 * Batched frames (docs/PROTOCOL.md 1.2) in the core round (core-round.ts), beside (b), (c) and (g):
 *
 * - ours opens a second room like (b)'s and (c)'s (the same receivers and senders), every socket
 *   registered with `"batch": true`, and a busy room of each kind (below);
 * - every server opens a busy room: `busyReceivers` receivers and the senders of (c);
 * - then, one step at a time in turns as ever (`Turns`), three phases:
 *   1. with (b): (b) again in ours' batched room at the same quiet rate, its slices in turn with (b)'s;
 *   2. busy: `busySteps` fixed steps of `busyRate` messages a second in every busy room, ours'
 *      unbatched and batched: a load every server carries, with several messages a receiver per
 *      `BATCH_MS`, for CPU per delivery and p99 at the same load;
 *   3. wide: saturated steps of (c) and (g) with `wideWindowMessages` messages outstanding (not
 *      (c)'s 3,000 deliveries: a batch holds at most what is outstanding), in ours' batched room
 *      and, unbatched, in the (c) room of each of `wideServers`.
 *
 * The other servers have no batched frames: they run the same steps unbatched.
 */
import type { RunningServer } from "../servers/launch.ts";
import { busySettings, wideSettings } from "./batched-steps.ts";
import { type Conn, closeAll, openMany } from "./clients.ts";
import { type FanoutResult, fanout, type OpenRoom } from "./scenarios.ts";
import type { Settings } from "./settings.ts";
import { type Load, runThroughput, type ThroughputResult, type Turns } from "./throughput.ts";
import { Tracker } from "./tracker.ts";

/** (c) and (g) saturated with `wideWindowMessages` outstanding. */
export interface WideResult {
	throughput: ThroughputResult | null;
	signalThroughput: ThroughputResult | null;
}

/** Ours with every receiver batched. */
export interface BatchedResult {
	/** (b) at its quiet rate. */
	fanout: FanoutResult | null;
	/** The wide saturated steps of (c) and (g). */
	throughput: ThroughputResult | null;
	signalThroughput: ThroughputResult | null;
	/** The busy room's fixed steps. */
	busy: ThroughputResult | null;
}

/** One more room of a server: its sockets and its load. */
interface ExtraRoom {
	tracker: Tracker;
	conns: Conn[];
	load: Load;
}

/** A server's rooms for batched frames, beside its (b)/(c) room. */
export interface BatchedRooms {
	main: OpenRoom;
	/** The busy room, unbatched (every server). */
	busy: ExtraRoom | null;
	/** Ours: the (b)/(c)-sized room, batched. */
	batched: ExtraRoom | null;
	/** Ours: the busy room, batched. */
	busyBatched: ExtraRoom | null;
}

type Log = (line: string) => void;

async function openExtraRoom(
	room: OpenRoom,
	name: string,
	receivers: number,
	batch: boolean,
	context: { settings: Settings; log: Log; turns: Turns },
): Promise<ExtraRoom> {
	const { settings, turns } = context;
	const { server, target, result } = room;
	const tracker = new Tracker();
	tracker.errors = result.errors;
	const conns = await openMany(
		target,
		name,
		{
			firstIndex: 0,
			count: receivers + settings.throughputSenders,
			concurrency: settings.connectConcurrency,
			heartbeatMs: settings.heartbeatSeconds * 1000,
			batch,
		},
		tracker,
	);
	const tag = `${server.name}${batch ? " batched" : ""}`;
	const load: Load = {
		server,
		tracker,
		senders: conns.slice(receivers),
		sockets: conns.length,
		settings,
		log: (line) => context.log(`${tag} ${line.trim()}`),
		turns,
	};
	return { tracker, conns, load };
}

/** Opens a server's rooms for batched frames (after its (a), before any step); ours' batched rooms only for ours. */
export async function openBatchedRooms(
	main: OpenRoom,
	context: { settings: Settings; round: number; log: Log; turns: Turns },
): Promise<BatchedRooms> {
	const { settings, round } = context;
	const ours = main.server.name === "ours";
	const rooms: BatchedRooms = { main, busy: null, batched: null, busyBatched: null };
	main.result.busy = null;
	rooms.busy = await openExtraRoom(main, `busy-${round}`, settings.busyReceivers, false, context);
	if (ours) {
		main.result.batched = { fanout: null, throughput: null, signalThroughput: null, busy: null };
		rooms.busyBatched = await openExtraRoom(main, `busy-batched-${round}`, settings.busyReceivers, true, context);
		const receivers = main.load.sockets - settings.throughputSenders;
		rooms.batched = await openExtraRoom(main, `batched-${round}-${receivers}`, receivers, true, context);
	}
	context.log(
		`  ${main.server.name}: busy room of ${rooms.busy.load.sockets}${ours ? `, batched rooms of ${rooms.busyBatched?.load.sockets} and ${rooms.batched?.load.sockets}` : ""} open`,
	);
	return rooms;
}

/** Phase 1, beside (b): (b) in ours' batched room, at (b)'s quiet rate. */
export async function runQuietBatched(rooms: BatchedRooms): Promise<void> {
	const { batched, main } = rooms;
	if (!batched || !main.result.batched) return;
	const load = {
		...batched.load,
		settings: { ...batched.load.settings, fanoutSlices: batched.load.settings.batchedFanoutSlices },
	};
	main.result.batched.fanout = await fanout(load, "(b) batched");
}

/** The chains of steps of phase 2 (busy) over every server's rooms: each a participant in the turns. */
export function busyRuns(all: BatchedRooms[]): { label: string; server: RunningServer; run: () => Promise<void> }[] {
	const runs: { label: string; server: RunningServer; run: () => Promise<void> }[] = [];
	for (const rooms of all) {
		const { main, busy, busyBatched } = rooms;
		const result = main.result;
		if (busy) {
			runs.push({
				label: `${main.server.name} busy`,
				server: main.server,
				run: async () => {
					result.busy = await runThroughput(busyLoad(busy.load), "message", "busy");
				},
			});
		}
		if (busyBatched && result.batched) {
			const batched = result.batched;
			runs.push({
				label: `${main.server.name} busy batched`,
				server: main.server,
				run: async () => {
					batched.busy = await runThroughput(busyLoad(busyBatched.load), "message", "busy");
				},
			});
		}
	}
	return runs;
}

/** The chains of steps of phase 3 (wide saturated steps of (c) and (g)). */
export function wideRuns(all: BatchedRooms[]): { label: string; server: RunningServer; run: () => Promise<void> }[] {
	const runs: { label: string; server: RunningServer; run: () => Promise<void> }[] = [];
	for (const rooms of all) {
		const { main, batched } = rooms;
		const result = main.result;
		if (batched && result.batched) {
			const into = result.batched;
			runs.push({
				label: `${main.server.name} batched wide (c), (g)`,
				server: main.server,
				run: async () => {
					const load = wideLoad(batched.load);
					into.throughput = await runThroughput(load, "message", "(c) wide");
					into.signalThroughput = await runThroughput(load, "signal", "(g) wide");
				},
			});
		}
		if (main.load.settings.wideServers.includes(main.server.name)) {
			runs.push({
				label: `${main.server.name} wide (c), (g)`,
				server: main.server,
				run: async () => {
					const load = wideLoad(main.load);
					const wide: WideResult = { throughput: null, signalThroughput: null };
					result.wide = wide;
					wide.throughput = await runThroughput(load, "message", "(c) wide");
					wide.signalThroughput = await runThroughput(load, "signal", "(g) wide");
				},
			});
		}
	}
	return runs;
}

function busyLoad(load: Load): Load {
	return { ...load, settings: busySettings(load.settings) };
}

function wideLoad(load: Load): Load {
	return { ...load, settings: wideSettings(load.settings, load.sockets) };
}

/** Closes a server's extra rooms (before its (d)); how many deliveries of unknown messages they had. */
export async function closeBatchedRooms(rooms: BatchedRooms): Promise<number> {
	let unknown = 0;
	for (const room of [rooms.busy, rooms.batched, rooms.busyBatched]) {
		if (!room) continue;
		await closeAll(room.conns);
		unknown += room.tracker.unknown;
	}
	return unknown;
}
