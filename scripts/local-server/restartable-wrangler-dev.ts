/**
 * A `wrangler dev` that can crash and come back as the same server: same port, same
 * `--persist-to` folder (the rooms' SQLite), so that clients reconnecting to the one address
 * they know find the rooms' durable state again. Used by the restart e2e test and the
 * benchmark's restart scenario.
 *
 *   const server = await startRestartableWranglerDev({ vars });
 *   try { … const { healthyAt } = await server.crashAndRestart(); … } finally { await server.stop(); }
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startWranglerDev, type WranglerDev, type WranglerDevOptions } from "./wrangler-dev.ts";

export type RestartableOptions = Omit<WranglerDevOptions, "port" | "persistDir">;

/** When a crash and restart happened, on `performance.now()`'s clock. */
export interface RestartTimes {
	/** The kill -9 was sent. */
	killedAt: number;
	/** Every process of the old group was gone. */
	deadAt: number;
	/** The new server answered GET /health. */
	healthyAt: number;
}

export interface RestartableWranglerDev {
	/** `http://127.0.0.1:PORT`: the same across restarts. */
	readonly origin: string;
	readonly wsOrigin: string;
	readonly persistDir: string;
	/** The server running now. */
	current(): WranglerDev;
	/** kill -9 of the whole process group, then a new `wrangler dev` on the same port and folder. */
	crashAndRestart(): Promise<RestartTimes>;
	/** Stops whatever runs (never throws) and removes the folder. */
	stop(): Promise<void>;
}

export async function startRestartableWranglerDev(options: RestartableOptions = {}): Promise<RestartableWranglerDev> {
	const persistDir = await mkdtemp(
		join(options.tempRoot ?? tmpdir(), `edge-rooms-${options.name ?? "restartable"}-state-`),
	);
	let current: WranglerDev;
	try {
		current = await startWranglerDev({ ...options, persistDir });
	} catch (error) {
		await rm(persistDir, { recursive: true, force: true });
		throw error;
	}
	const { port, origin, wsOrigin } = current;
	/** Servers started and not yet stopped: a failed restart must not leave one behind. */
	const started = new Set<WranglerDev>([current]);
	return {
		origin,
		wsOrigin,
		persistDir,
		current: () => current,
		crashAndRestart: async () => {
			const killedAt = performance.now();
			await current.kill();
			const deadAt = performance.now();
			// Its temporary files (env file, logs) go now; the state folder is ours and stays.
			await current.stop();
			started.delete(current);
			current = await startWranglerDev({ ...options, persistDir, port });
			started.add(current);
			return { killedAt, deadAt, healthyAt: performance.now() };
		},
		stop: async () => {
			await Promise.allSettled([...started].map((server) => server.stop()));
			started.clear();
			await rm(persistDir, { recursive: true, force: true });
		},
	};
}
