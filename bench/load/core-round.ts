/**
 * One round of scenarios (a)-(e) and (g) over several servers. Each server gets a fresh process
 * and its own room. (a) and (e) run one server after the other; then the steps of (b), (c) and
 * (g) of all the servers run together, one step at a time in turn (`Turns`), so that servers
 * compared by a ratio meet the machine's other load within seconds of each other, not minutes;
 * then each room closes and (d) runs. Every server stays up until the round ends. Batched frames
 * (1.2) add rooms and phases of steps in turn (load/batched.ts): (b) in ours' batched room with
 * (b), then the busy rooms' steps, then the wide saturated steps.
 */
import type { RunningServer } from "../servers/launch.ts";
import {
	type BatchedRooms,
	busyRuns,
	closeBatchedRooms,
	openBatchedRooms,
	runQuietBatched,
	wideRuns,
} from "./batched.ts";
import type { Target } from "./clients.ts";
import { closeRoom, type OpenRoom, openRoom, runDeliveries, type ServerResult } from "./scenarios.ts";
import type { Settings } from "./settings.ts";
import { Turns } from "./throughput.ts";

/** What a round of either kind (core here, presence-mode joins in join-modes.ts) is given. */
export interface RoundContext {
	settings: Settings;
	round: number;
	log: (line: string) => void;
	/** Starts a fresh server process. */
	start(name: string): Promise<{ server: RunningServer; target: Target }>;
	/** Records a failure of one server's part; the round goes on with the others. */
	failed(label: string, error: unknown, server?: RunningServer): void;
}

export async function runCoreRound(names: string[], context: RoundContext, results: ServerResult[]): Promise<void> {
	const { log, failed } = context;
	const turns = new Turns();
	const started: RunningServer[] = [];
	const rooms: OpenRoom[] = [];
	const batchedRooms = new Map<OpenRoom, BatchedRooms>();
	/** Runs one part of one server, timed; a failure drops that server from the rest of the round. */
	const part = async <T>(label: string, run: () => Promise<T>, server?: RunningServer): Promise<T | undefined> => {
		const begun = performance.now();
		try {
			return await run();
		} catch (error) {
			failed(label, error, server);
			return undefined;
		} finally {
			log(`  ${label} done in ${((performance.now() - begun) / 1000).toFixed(1)} s`);
		}
	};
	try {
		for (const name of names) {
			log(`${name}: (a), (e)`);
			const up = await part(`${name} start`, () => context.start(name));
			if (!up) continue;
			started.push(up.server);
			const room = await part(
				`${name} (a)`,
				() => openRoom(up.server, up.target, { ...context, turns }, results),
				up.server,
			);
			if (room) rooms.push(room);
			if (!room) continue;
			const extra = await part(
				`${name} rooms for batched frames`,
				() => openBatchedRooms(room, { ...context, turns }),
				up.server,
			);
			if (extra) batchedRooms.set(room, extra);
		}
		log(`(b), (c) and (g), steps in turn: ${rooms.map((room) => room.server.name).join(", ")}`);
		const extras = [...batchedRooms.values()];
		await Promise.all([
			...rooms.map((room) => part(`${room.server.name} (b), (c), (g)`, () => runDeliveries(room), room.server)),
			...extras
				.filter((x) => x.batched)
				.map((x) => part(`${x.main.server.name} (b) batched`, () => runQuietBatched(x), x.main.server)),
		]);
		for (const phase of [busyRuns(extras), wideRuns(extras)]) {
			log(`batched frames, steps in turn: ${phase.map((r) => r.label).join(", ")}`);
			await Promise.all(phase.map((r) => part(r.label, r.run, r.server)));
		}
		for (const room of rooms) {
			const extra = batchedRooms.get(room);
			const unknown = extra ? await part(`${room.server.name} close batched rooms`, () => closeBatchedRooms(extra)) : 0;
			await part(`${room.server.name} (d)`, () => closeRoom(room, context), room.server);
			room.result.unknownDeliveries += unknown ?? 0;
		}
	} finally {
		await Promise.all(started.map((server) => server.stop()));
	}
}
