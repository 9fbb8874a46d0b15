/**
 * Starts and stops the benchmark's servers on free loopback ports: `wrangler dev` (local workerd)
 * for the Workers servers, a Node child process for the others. The approach is that of
 * test/e2e/wrangler-dev.ts: the project's own Node, its own process group (so that stopping it
 * reaches workerd), a private persistence directory, no developer settings, no metrics, and
 * CLOUDFLARE_CF_FETCH_ENABLED=false so that nothing leaves the machine.
 *
 * It also reads what the benchmark needs from the running server: the resident memory of the
 * processes that do the work (workerd's, or the Node server's) and the `BENCH_WAKE` lines the
 * Workers servers print for `idle-*` rooms.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const WRANGLER = join(REPO_ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const LOCAL_NODE = join(REPO_ROOT, "node_modules", "node", "bin", "node");
const HOST = "127.0.0.1";
const MAX_OUTPUT_CHARS = 64_000;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the escape character is the point
const ANSI_ESCAPE = /\u001b\[[0-9;]*m/g;

export type ServerKind = { type: "wrangler"; config: string } | { type: "node"; script: string };

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
}

const groups = new Set<number>();
process.once("exit", () => {
	for (const pid of groups) killGroup(pid, "SIGKILL");
});

export async function freePorts(count: number): Promise<number[]> {
	const servers: Server[] = [];
	try {
		const ports: number[] = [];
		for (let i = 0; i < count; i++) {
			const server = createServer();
			servers.push(server);
			await new Promise<void>((done, fail) => {
				server.once("error", fail);
				server.listen(0, HOST, () => done());
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

function nodeBinary(): string {
	return existsSync(LOCAL_NODE) ? LOCAL_NODE : process.execPath;
}

/** Every process of a process group, with its command name. */
function groupProcesses(pgid: number): { pid: number; comm: string }[] {
	const found: { pid: number; comm: string }[] = [];
	for (const entry of readdirSync("/proc")) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
			const close = stat.lastIndexOf(")");
			const comm = stat.slice(stat.indexOf("(") + 1, close);
			const fields = stat.slice(close + 2).split(" ");
			if (Number(fields[2]) === pgid) found.push({ pid: Number(entry), comm });
		} catch {
			// gone meanwhile
		}
	}
	return found;
}

export function rssOf(pid: number): number {
	try {
		const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
		return match ? Number(match[1]) * 1024 : 0;
	} catch {
		return 0;
	}
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
async function workerEntry(
	workerdPids: number[],
	proxyPort: number,
): Promise<{ port: number; pid: number } | undefined> {
	for (const pid of workerdPids) {
		const ports = listeningPorts(pid);
		if (ports.includes(proxyPort)) continue;
		for (const port of ports) {
			try {
				const response = await fetch(`http://${HOST}:${port}/health`, { signal: AbortSignal.timeout(1000) });
				const body = await response.text();
				if (response.status === 200 && body.includes('"ok":true')) return { port, pid };
			} catch {
				// not this one
			}
		}
	}
	return undefined;
}

/**
 * `direct` (the default): clients connect to the Worker's own workerd and memory and CPU are read
 * from it alone; otherwise through wrangler's proxy, and both workerd processes count.
 */
export async function startServer(
	name: string,
	kind: ServerKind,
	options: { direct?: boolean; readyTimeoutMs?: number } = {},
): Promise<RunningServer> {
	const readyTimeoutMs = options.readyTimeoutMs ?? 90_000;
	const tempDir = await mkdtemp(join(tmpdir(), `edge-rooms-bench-${name}-`));
	const [port, inspectorPort] = (await freePorts(2)) as [number, number];
	let args: string[];
	if (kind.type === "wrangler") {
		const envFile = join(tempDir, "vars.env");
		await writeFile(envFile, "");
		args = [
			WRANGLER,
			"dev",
			"--config",
			kind.config,
			"--local",
			"--ip",
			HOST,
			"--port",
			String(port),
			"--inspector-ip",
			HOST,
			"--inspector-port",
			String(inspectorPort),
			"--persist-to",
			join(tempDir, "state"),
			"--env-file",
			envFile,
			"--show-interactive-dev-session=false",
			"--live-reload=false",
			"--log-level",
			"log",
		];
	} else {
		args = [kind.script, String(port)];
	}
	const child: ChildProcess = spawn(nodeBinary(), args, {
		cwd: REPO_ROOT,
		detached: true,
		stdio: ["ignore", "pipe", "pipe"],
		env: {
			...process.env,
			CI: "true",
			WRANGLER_SEND_METRICS: "false",
			CLOUDFLARE_CF_FETCH_ENABLED: "false",
			CLOUDFLARE_INCLUDE_PROCESS_ENV: "false",
			WRANGLER_LOG_PATH: join(tempDir, "logs"),
			NO_COLOR: "1",
			FORCE_COLOR: "0",
		},
	});
	if (child.pid === undefined) throw new Error(`could not spawn ${name}`);
	const pid = child.pid;
	groups.add(pid);

	let output = "";
	let partial = "";
	const wakes: string[] = [];
	const record = (chunk: Buffer) => {
		const text = chunk.toString("utf8").replace(ANSI_ESCAPE, "");
		output += text;
		if (output.length > MAX_OUTPUT_CHARS) output = output.slice(-MAX_OUTPUT_CHARS);
		const lines = (partial + text).split("\n");
		partial = lines.pop() ?? "";
		for (const line of lines) {
			const at = line.indexOf("BENCH_WAKE ");
			if (at >= 0) wakes.push(line.slice(at).trim());
		}
		if (process.env.BENCH_VERBOSE) process.stderr.write(chunk);
	};
	child.stdout?.on("data", record);
	child.stderr?.on("data", record);
	let exitStatus: string | undefined;
	const exited = new Promise<void>((done) => {
		child.once("exit", (code, signal) => {
			exitStatus = signal ? `signal ${signal}` : `code ${code}`;
			done();
		});
	});

	const allWorkerd = (): number[] =>
		groupProcesses(pid)
			.filter((p) => p.comm.startsWith("workerd"))
			.map((p) => p.pid);
	let workPids = (): number[] => (kind.type === "node" ? [pid] : allWorkerd());

	const stop = async () => {
		if (groups.has(pid)) {
			killGroup(pid, "SIGTERM");
			if (!(await groupGone(pid, 5000))) {
				killGroup(pid, "SIGKILL");
				await groupGone(pid, 5000);
			}
			groups.delete(pid);
		}
		await Promise.race([exited, sleep(5000)]);
		child.stdout?.destroy();
		child.stderr?.destroy();
		await rm(tempDir, { recursive: true, force: true });
	};

	const origin = `http://${HOST}:${port}`;
	const deadline = Date.now() + readyTimeoutMs;
	let lastProblem = "no answer yet";
	while (true) {
		if (exitStatus !== undefined) {
			await stop();
			throw new Error(`${name} exited before it was ready (${exitStatus}).\n--- output ---\n${output}`);
		}
		try {
			const response = await fetch(`${origin}/health`, { signal: AbortSignal.timeout(2000) });
			await response.text();
			if (response.status === 200) break;
			lastProblem = `GET /health answered ${response.status}`;
		} catch (error) {
			lastProblem = `GET /health failed: ${(error as Error).message}`;
		}
		if (Date.now() >= deadline) {
			await stop();
			throw new Error(`${name} was not ready after ${readyTimeoutMs} ms (${lastProblem}).\n--- output ---\n${output}`);
		}
		await sleep(200);
	}
	let clientPort = port;
	if (kind.type === "wrangler" && options.direct !== false) {
		const entry = await workerEntry(allWorkerd(), port);
		if (!entry) {
			await stop();
			throw new Error(`${name}: could not find the Worker's own workerd entry port`);
		}
		clientPort = entry.port;
		workPids = () => [entry.pid];
	}
	return {
		name,
		origin: `http://${HOST}:${clientPort}`,
		wsOrigin: `ws://${HOST}:${clientPort}`,
		proxyOrigin: origin,
		rssBytes: () => workPids().reduce((sum, p) => sum + rssOf(p), 0),
		workPids,
		wakeLines: () => wakes,
		output: () => output,
		stop,
	};
}

export function sleep(ms: number): Promise<void> {
	return new Promise((done) => setTimeout(done, ms));
}

function killGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
	try {
		process.kill(-pid, signal);
		return true;
	} catch {
		return false;
	}
}

async function groupGone(pid: number, timeoutMs: number): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (!killGroup(pid, 0)) return true;
		await sleep(100);
	}
	return !killGroup(pid, 0);
}
