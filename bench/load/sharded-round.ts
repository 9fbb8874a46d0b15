/**
 * One round of (h): both servers (sharded and single, each fresh: the sharded one in two processes
 * unless `--sharded-processes 1`) up, both rooms open,
 * senders chosen from the sharded room's layout, the steps in turn (the first layout alternates by
 * round), then both closed and stopped.
 */
import { readFileSync } from "node:fs";
import type { RunningServer, ServerKind } from "../servers/launch.ts";
import type { Target } from "./clients.ts";
import type { Settings, ShardedSize } from "./settings.ts";
import {
	closeShardedRoom,
	openShardedRoom,
	runShardedSteps,
	SHARDED_LAYOUTS,
	type ShardedLayout,
	type ShardedResult,
	type ShardedRoom,
	sendersOnEveryObject,
	shardedServerKind,
} from "./sharded.ts";

export interface ShardedRoundContext {
	settings: Settings;
	round: number;
	log: (line: string) => void;
	start(name: string, kind: ServerKind): Promise<{ server: RunningServer; target: Target }>;
	/** The sharded room's root and shards in two processes (load/sharded-pair.ts); in one when undefined. */
	startPair?(name: string, vars: Readonly<Record<string, string>>): Promise<{ server: RunningServer; target: Target }>;
}

export async function runShardedRound(context: ShardedRoundContext, results: ShardedResult[]): Promise<void> {
	for (const size of context.settings.shardedSizes) await runShardedSize(context, size, results);
}

/** This process's limit of open files (each socket is one): both rooms open at once need twice the sockets. */
function openFilesLimit(): number {
	try {
		const line = readFileSync("/proc/self/limits", "utf8")
			.split("\n")
			.find((l) => l.startsWith("Max open files"));
		const soft = Number(line?.split(/\s{2,}/)[1]);
		return Number.isFinite(soft) ? soft : Number.POSITIVE_INFINITY;
	} catch {
		return Number.POSITIVE_INFINITY;
	}
}

/** Room for the rest of the process's files (servers' pipes, logs, the registry). */
const SPARE_FILES = 2000;

async function runShardedSize(
	context: ShardedRoundContext,
	size: ShardedSize,
	results: ShardedResult[],
): Promise<void> {
	const { round, log } = context;
	log(`(h) ${size.sockets} sockets over ${size.objects} objects against one object`);
	const layouts = round % 2 === 0 ? SHARDED_LAYOUTS : [...SHARDED_LAYOUTS].reverse();
	const limit = openFilesLimit();
	if (2 * size.sockets + SPARE_FILES <= limit) {
		await runLayouts(context, size, layouts, results);
		return;
	}
	// The sharded room first: its layout places the senders, whose numbers the single room reuses.
	log(`(h) ${2 * size.sockets} sockets do not fit in ${limit} open files: one layout after the other, not in turns`);
	const senders = await runLayouts(context, size, ["sharded"], results);
	await runLayouts(context, size, ["single"], results, senders);
}

/** Starts the layouts' servers, opens their rooms, runs their steps in turn, closes them; returns the senders. */
async function runLayouts(
	context: ShardedRoundContext,
	size: ShardedSize,
	layouts: readonly ShardedLayout[],
	results: ShardedResult[],
	givenSenders?: number[],
): Promise<number[]> {
	const { settings, round, log } = context;
	const started: RunningServer[] = [];
	const rooms: ShardedRoom[] = [];
	try {
		for (const layout of layouts) {
			const kind = shardedServerKind(layout, size);
			const { server, target } =
				layout === "sharded" && context.startPair && kind.type === "wrangler"
					? await context.startPair(`ours-${layout}`, kind.vars ?? {})
					: await context.start(`ours-${layout}`, kind);
			started.push(server);
			rooms.push(await openShardedRoom(layout, server, target, settings, size, round, log));
		}
		const sharded = rooms.find((room) => room.layout === "sharded");
		const senders = givenSenders ?? (sharded ? sendersOnEveryObject(sharded) : []);
		if (sharded) {
			log(`(h) senders ${senders.join(", ")} on objects ${senders.map((i) => sharded.check.shards[i]).join(", ")}`);
		}
		await runShardedSteps(rooms, senders, settings, size, log);
		for (const room of rooms) {
			const result = await closeShardedRoom(room, settings.shardedDrainMs);
			results.push(result);
			log(
				`(h) ${room.layout}: lost ${result.lost} (late ${result.late}), duplicated ${result.duplicated}, out of order ${result.outOfOrder}, unknown ${result.unknownDeliveries}${result.errors.length ? `, errors: ${result.errors.slice(0, 3).join(" | ")}` : ""}`,
			);
		}
		return senders;
	} finally {
		await Promise.all(started.map((server) => server.stop()));
	}
}
