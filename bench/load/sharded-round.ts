/**
 * One round of (h): both servers (sharded and single, each a fresh process) up, both rooms open,
 * senders chosen from the sharded room's layout, the steps in turn (the first layout alternates by
 * round), then both closed and stopped.
 */
import type { RunningServer, ServerKind } from "../servers/launch.ts";
import type { Target } from "./clients.ts";
import type { Settings } from "./settings.ts";
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
}

export async function runShardedRound(context: ShardedRoundContext, results: ShardedResult[]): Promise<void> {
	const { settings, round, log } = context;
	const layouts = round % 2 === 0 ? SHARDED_LAYOUTS : [...SHARDED_LAYOUTS].reverse();
	const started: RunningServer[] = [];
	const rooms: ShardedRoom[] = [];
	try {
		for (const layout of layouts) {
			const { server, target } = await context.start(`ours-${layout}`, shardedServerKind(layout, settings));
			started.push(server);
			rooms.push(await openShardedRoom(layout, server, target, settings, round, log));
		}
		const sharded = rooms.find((room) => room.layout === "sharded") as ShardedRoom;
		const senders = sendersOnEveryObject(sharded);
		log(`(h) senders ${senders.join(", ")} on objects ${senders.map((i) => sharded.check.shards[i]).join(", ")}`);
		await runShardedSteps(rooms, senders, settings, log);
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
