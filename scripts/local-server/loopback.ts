/**
 * Local servers listen on loopback only: free ports to give them, and the wait until one answers
 * GET /health (every server here, the Worker and the benchmark's, has that route).
 */
import { createServer, type Server } from "node:net";
import { isPortTaken } from "./port-taken.ts";
import { type ProcessGroup, sleep } from "./process-group.ts";

export const LOOPBACK = "127.0.0.1";
const POLL_MS = 250;

/** Ports nothing listens on now: bind port 0, read it, let it go. Several at once are distinct. */
export async function freePorts(count: number): Promise<number[]> {
	const servers: Server[] = [];
	try {
		const ports: number[] = [];
		for (let i = 0; i < count; i++) {
			const server = createServer();
			servers.push(server);
			await new Promise<void>((done, fail) => {
				server.once("error", fail);
				server.listen(0, LOOPBACK, () => done());
			});
			const address = server.address();
			if (address === null || typeof address === "string") throw new Error("no port from listen(0)");
			ports.push(address.port);
		}
		return ports;
	} finally {
		await Promise.all(servers.map((server) => new Promise<void>((done) => server.close(() => done()))));
	}
}

/**
 * Runs `start` on `count` ports from `freePorts`, and again on fresh ones (at most `retries` more
 * times) when it failed because one of them was taken before the server bound it.
 */
export async function startOnFreePorts<T>(
	count: number,
	start: (ports: number[]) => Promise<T>,
	retries = 3,
): Promise<T> {
	for (let attempt = 0; ; attempt++) {
		const ports = await freePorts(count);
		try {
			return await start(ports);
		} catch (error) {
			if (attempt < retries && isPortTaken(error)) continue;
			throw error;
		}
	}
}

export interface HealthWait {
	/** The server's name in error messages. */
	name: string;
	/** `http://127.0.0.1:PORT` */
	origin: string;
	timeoutMs: number;
}

/**
 * Resolves once `GET origin/health` answers 200. If the group ends first, or the time runs out,
 * stops the group and throws with what it printed.
 */
export async function waitUntilHealthy(group: ProcessGroup, wait: HealthWait): Promise<void> {
	const deadline = Date.now() + wait.timeoutMs;
	let lastProblem = "no answer yet";
	while (true) {
		const exitStatus = group.exitStatus();
		if (exitStatus !== undefined) {
			await group.stop();
			throw new Error(`${wait.name} exited before it was ready (${exitStatus}).\n--- output ---\n${group.output()}`);
		}
		try {
			const response = await fetch(`${wait.origin}/health`, { signal: AbortSignal.timeout(2000) });
			const body = await response.text();
			if (response.status === 200) return;
			lastProblem = `GET /health answered ${response.status}: ${body.slice(0, 200)}`;
		} catch (error) {
			lastProblem = `GET /health failed: ${(error as Error).cause ?? (error as Error).message}`;
		}
		if (Date.now() >= deadline) {
			await group.stop();
			throw new Error(
				`${wait.name} was not ready on ${wait.origin} after ${wait.timeoutMs} ms (${lastProblem}).\n--- output ---\n${group.output()}`,
			);
		}
		await sleep(POLL_MS);
	}
}
