/**
 * Starts and stops the benchmark's servers on free loopback ports: `wrangler dev` (local workerd)
 * for the Workers servers, a Node child process for the others, both through
 * scripts/local-server (the project's own Node, a process group of its own so that stopping it
 * reaches workerd, private state, no developer settings, nothing leaving the machine).
 *
 * It also reads what the benchmark needs from the running server: the resident memory of the
 * processes that do the work (workerd's, or the Node server's) and the `BENCH_WAKE` lines the
 * Workers servers print for `idle-*` rooms.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { LOOPBACK, startOnFreePorts, waitUntilHealthy } from "../../scripts/local-server/loopback.ts";
import { rssOf, startProcessGroup } from "../../scripts/local-server/process-group.ts";
import { startWranglerDev } from "../../scripts/local-server/wrangler-dev.ts";

export { REPO_ROOT, sleep } from "../../scripts/local-server/process-group.ts";

/** `vars` are Worker variables passed with `--var` (they win over the config's `[vars]`). */
export type ServerKind =
	| { type: "wrangler"; config: string; vars?: Readonly<Record<string, string>> }
	| { type: "node"; script: string };

export interface RunningServer {
	readonly name: string;
	/** Where clients connect: for `wrangler dev`, the Worker's own workerd (see `direct`). */
	readonly origin: string;
	readonly wsOrigin: string;
	/** The address `wrangler dev` printed (its proxy in front of the Worker's workerd). */
	readonly proxyOrigin: string;
	/** Resident memory (VmRSS) of the processes doing the work, in bytes. */
	rssBytes(): number;
	/** The pids whose memory `rssBytes` adds up (workerd's, or the Node server's). */
	workPids(): number[];
	/** `BENCH_WAKE` lines printed so far. */
	wakeLines(): readonly string[];
	output(): string;
	stop(): Promise<void>;
	/** A server of several processes (load/sharded-pair.ts): each part's pids, whose CPU a step also reads apart. */
	parts?(): Record<string, number[]>;
}

/** What a started server offers before the benchmark looks for its entry port. */
interface Started {
	port: number;
	workPids(): number[];
	output(): string;
	stop(): Promise<void>;
}

/**
 * `direct` (the default): clients connect to the Worker's own workerd and memory and CPU are read
 * from it alone; otherwise through wrangler's proxy, and both workerd processes count.
 */
export async function startServer(
	name: string,
	kind: ServerKind,
	options: { direct?: boolean; readyTimeoutMs?: number; tempRoot?: string; v8Flags?: readonly string[] } = {},
): Promise<RunningServer> {
	const readyTimeoutMs = options.readyTimeoutMs ?? 90_000;
	const wakes: string[] = [];
	const onLine = (line: string) => {
		const at = line.indexOf("BENCH_WAKE ");
		if (at >= 0) wakes.push(line.slice(at).trim());
	};
	const echo = Boolean(process.env.BENCH_VERBOSE);
	const started =
		kind.type === "wrangler"
			? await startWorker(name, kind.config, {
					vars: kind.vars,
					readyTimeoutMs,
					onLine,
					echo,
					tempRoot: options.tempRoot,
					v8Flags: options.v8Flags,
				})
			: await startNodeServer(name, kind.script, { readyTimeoutMs, onLine, echo });
	let clientPort = started.port;
	let workPids = started.workPids;
	if (kind.type === "wrangler" && options.direct !== false) {
		const entry = await workerEntry(started.workPids(), started.port);
		if (!entry) {
			await started.stop();
			throw new Error(`${name}: could not find the Worker's own workerd entry port`);
		}
		clientPort = entry.port;
		workPids = () => [entry.pid];
	}
	return {
		name,
		origin: `http://${LOOPBACK}:${clientPort}`,
		wsOrigin: `ws://${LOOPBACK}:${clientPort}`,
		proxyOrigin: `http://${LOOPBACK}:${started.port}`,
		rssBytes: () => workPids().reduce((sum, pid) => sum + rssOf(pid), 0),
		workPids,
		wakeLines: () => wakes,
		output: started.output,
		stop: started.stop,
	};
}

interface StartOptions {
	readyTimeoutMs: number;
	onLine(line: string): void;
	echo: boolean;
	/** Where a `wrangler dev` keeps its state (storage.ts). */
	tempRoot?: string;
	/** The workerd's V8 flags (`wrangler dev` only): `--expose-gc` for a settled memory reading (load/settle.ts). */
	v8Flags?: readonly string[];
	vars?: Readonly<Record<string, string>>;
}

async function startWorker(name: string, config: string, options: StartOptions): Promise<Started> {
	const dev = await startWranglerDev({ name: `bench-${name}`, config, ...options });
	return {
		port: dev.port,
		workPids: () => dev.workerd().map((member) => member.pid),
		output: dev.output,
		stop: dev.stop,
	};
}

async function startNodeServer(name: string, script: string, options: StartOptions): Promise<Started> {
	return startOnFreePorts(1, async ([port]) => {
		const group = startProcessGroup({ args: [script, String(port)], onLine: options.onLine, echo: options.echo });
		await waitUntilHealthy(group, { name, origin: `http://${LOOPBACK}:${port}`, timeoutMs: options.readyTimeoutMs });
		return { port: port as number, workPids: () => [group.pid], output: group.output, stop: group.stop };
	});
}

/**
 * The TCP ports a process listens on, in the order it opened them (by file descriptor): its
 * socket inodes from /proc/PID/fd, then the listening ones in /proc/net/tcp.
 */
function listeningPorts(pid: number): number[] {
	const inodes = new Map<string, number>();
	try {
		for (const fd of readdirSync(`/proc/${pid}/fd`)) {
			try {
				const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
				if (match?.[1]) inodes.set(match[1], Number(fd));
			} catch {
				// closed meanwhile
			}
		}
	} catch {
		return [];
	}
	const found: { port: number; fd: number }[] = [];
	for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
		const cols = line.trim().split(/\s+/);
		// local_address is cols[1] (hex ip:port), st is cols[3] (0A = LISTEN), inode is cols[9]
		const fd = inodes.get(cols[9] ?? "");
		if (cols[3] === "0A" && fd !== undefined) {
			found.push({ port: Number.parseInt(cols[1]?.split(":")[1] ?? "0", 16), fd });
		}
	}
	return found.sort((a, b) => a.fd - b.fd).map((f) => f.port);
}

/**
 * `wrangler dev` runs two workerd processes: a proxy on the printed port, and the Worker's own
 * workerd behind it, which every frame crosses twice more. Finds the Worker's own entry port:
 * the port of the other workerd that answers GET /health. Its entry socket is opened first; the
 * others (inspector, and a Cap'n Proto debug port that logs a warning when spoken HTTP to) are
 * tried only if the first does not answer.
 */
export async function workerEntry(
	workerdPids: number[],
	proxyPort: number,
): Promise<{ port: number; pid: number } | undefined> {
	for (const pid of workerdPids) {
		const ports = listeningPorts(pid);
		if (ports.includes(proxyPort)) continue;
		for (const port of ports) {
			try {
				const response = await fetch(`http://${LOOPBACK}:${port}/health`, { signal: AbortSignal.timeout(1000) });
				const body = await response.text();
				if (response.status === 200 && body.includes('"ok":true')) return { port, pid };
			} catch {
				// not this one
			}
		}
	}
	return undefined;
}
