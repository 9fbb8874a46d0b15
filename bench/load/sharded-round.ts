/**
 * One round of (h): both servers (sharded and single, each fresh: the sharded one in two processes
 * unless `--sharded-processes 1`) up, both rooms open,
 * senders chosen from the sharded room's layout, the steps in turn (the first layout alternates by
 * round), then both closed and stopped.
 */
import type { RunningServer, ServerKind } from "../servers/launch.ts";
import type { Target } from "./clients.ts";
import type { Settings, ShardedSize } from "./settings.ts";
import {
	closeShardedRoom,
	openShardedRoom,
	runShardedSteps,
	SHARDED_LAYOUTS,
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

async function runShardedSize(
	context: ShardedRoundContext,
	size: ShardedSize,
	results: ShardedResult[],
): Promise<void> {
	const { settings, round, log } = context;
	log(`(h) ${size.sockets} sockets over ${size.objects} objects against one object`);
	const layouts = round % 2 === 0 ? SHARDED_LAYOUTS : [...SHARDED_LAYOUTS].reverse();
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
		const sharded = rooms.find((room) => room.layout === "sharded") as ShardedRoom;
		const senders = sendersOnEveryObject(sharded);
		log(`(h) senders ${senders.join(", ")} on objects ${senders.map((i) => sharded.check.shards[i]).join(", ")}`);
		await runShardedSteps(rooms, senders, settings, size, log);
		for (const room of rooms) {
			const result = await closeShardedRoom(room);
			results.push(result);
			log(
				`(h) ${room.layout}: lost ${result.lost}, duplicated ${result.duplicated}, out of order ${result.outOfOrder}, unknown ${result.unknownDeliveries}${result.errors.length ? `, errors: ${result.errors.slice(0, 3).join(" | ")}` : ""}`,
			);
		}
	} finally {
		await Promise.all(started.map((server) => server.stop()));
	}
}
