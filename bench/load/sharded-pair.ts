/**
 * (h) with the root and the shards in two workerd processes, as on Cloudflare's network where each
 * object runs on its own thread: two `wrangler dev` sessions of ours' code, `sharded-root.toml`
 * (every room's root) and `sharded-shards.toml` (every shard), bound to each other's `Room`
 * through a dev registry of their own (a temporary folder: the default one is shared by every
 * `wrangler dev` of this user). The test-only `TEST_SHARDS_BINDING` and `TEST_ROOT_BINDING` make
 * the root reach shards, and the shards' session (its Worker and its objects) reach the root,
 * through those bindings (src/room/shards/shard-link.ts).
 *
 * A socket is carried by the process whose Worker it connected to: one the root session's Worker
 * forwards to a shard would pass every frame through the root's process. So the root's sockets
 * connect to the root session and the others to the shards' session, whose Worker asks the root
 * where to place them and forwards them to its own shards (load/sharded.ts).
 *
 * An object first created through another session's binding has no `ctx.id.name`, and a Room reads
 * its part from its name: the shards are created through their own session, and kept awake (a
 * shard evicted while idle would come back through the root's call, nameless) by
 * `GET /__bench/touch` (bench/servers/ours/index.ts) every `TOUCH_EVERY_MS` until the pair stops.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningServer, startServer } from "../servers/launch.ts";

const TOUCH_EVERY_MS = 2000;
const REGISTRY_VARIABLES = ["WRANGLER_REGISTRY_PATH", "CLOUDFLARE_DEV_REGISTRY_PATH"] as const;

/** Both sessions as one server: clients reach the root's session, CPU counts both processes. */
export interface ServerPair extends RunningServer {
	/** Where the sockets placed on shards connect: the shards' session. */
	readonly shardsWsOrigin: string;
	/** Each process's pids: `root` and `shards`, for each part's CPU. */
	parts(): Record<string, number[]>;
	/** Creates and keeps awake shards 1 to `shards` of `room` in the shards' session. */
	prepareRoom(room: string, shards: number): Promise<void>;
}

export async function startServerPair(
	name: string,
	vars: Readonly<Record<string, string>>,
	options: { direct: boolean; tempRoot?: string },
): Promise<ServerPair> {
	const registry = mkdtempSync(join(tmpdir(), "edge-rooms-bench-registry-"));
	const saved = REGISTRY_VARIABLES.map((variable) => process.env[variable]);
	for (const variable of REGISTRY_VARIABLES) process.env[variable] = registry;
	const started: RunningServer[] = [];
	const timers: NodeJS.Timeout[] = [];
	const stop = async () => {
		for (const timer of timers) clearInterval(timer);
		await Promise.all(started.map((server) => server.stop()));
		rmSync(registry, { recursive: true, force: true });
	};
	try {
		const config = (part: string) => `bench/servers/ours/sharded-${part}.toml`;
		// Each session's environment is read when it starts: the registry variables matter only then.
		started.push(await startServer(`${name}-shards`, { type: "wrangler", config: config("shards"), vars }, options));
		started.push(await startServer(`${name}-root`, { type: "wrangler", config: config("root"), vars }, options));
	} catch (error) {
		await stop();
		throw error;
	} finally {
		REGISTRY_VARIABLES.forEach((variable, i) => {
			if (saved[i] === undefined) delete process.env[variable];
			else process.env[variable] = saved[i];
		});
	}
	const [shards, root] = started as [RunningServer, RunningServer];
	const touch = async (room: string, shards_: number) => {
		for (let k = 1; k <= shards_; k++) {
			const response = await fetch(`${shards.origin}/__bench/touch?name=${encodeURIComponent(`${room}~${k}`)}`);
			const body = (await response.json()) as { room?: string };
			if (body.room !== `${room}~${k}`) throw new Error(`shard ${room}~${k} answered as ${JSON.stringify(body)}`);
		}
	};
	return {
		name,
		origin: root.origin,
		wsOrigin: root.wsOrigin,
		proxyOrigin: root.proxyOrigin,
		shardsWsOrigin: shards.wsOrigin,
		rssBytes: () => root.rssBytes() + shards.rssBytes(),
		workPids: () => [...root.workPids(), ...shards.workPids()],
		parts: () => ({ root: root.workPids(), shards: shards.workPids() }),
		wakeLines: () => [...root.wakeLines(), ...shards.wakeLines()],
		output: () => `${root.output()}\n--- shards ---\n${shards.output()}`,
		stop,
		async prepareRoom(room, count) {
			await touch(room, count);
			const timer = setInterval(() => touch(room, count).catch(() => {}), TOUCH_EVERY_MS);
			timer.unref();
			timers.push(timer);
		},
	};
}
