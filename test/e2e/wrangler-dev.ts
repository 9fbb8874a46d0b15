/**
 * Starts the real `wrangler dev` for end-to-end tests, on free loopback ports, with its own
 * persistence directory and no developer settings (.dev.vars / .env are not read), and stops
 * it with everything it spawned (workerd included).
 *
 *   let dev: WranglerDev;
 *   beforeAll(async () => { dev = await startWranglerDev(); });
 *   afterAll(() => stopWranglerDev(dev));
 *
 * The e2e project starts one for all its files in global-setup.ts.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const WRANGLER = join(REPO_ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
/** The project's own Node (the `node` devDependency); wrangler needs a newer one than the system may have. */
const LOCAL_NODE = join(REPO_ROOT, "node_modules", "node", "bin", "node");

const HOST = "127.0.0.1";
/** Output kept for error messages: the tail of wrangler's stdout and stderr, interleaved. */
const MAX_OUTPUT_CHARS = 64_000;
/** Terminal colour codes, which wrangler prints for errors even with NO_COLOR. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the escape character is the point
const ANSI_ESCAPE = /\u001b\[[0-9;]*m/g;

export interface StartOptions {
	/** How long to wait for GET /health to answer 200. */
	readyTimeoutMs?: number;
	/** Worker variables, written to a private env file (replacing .dev.vars / .env). */
	vars?: Record<string, string>;
	/** Extra `wrangler dev` arguments. */
	args?: string[];
}

export interface WranglerDev {
	/** `http://127.0.0.1:PORT` */
	readonly origin: string;
	/** `ws://127.0.0.1:PORT` */
	readonly wsOrigin: string;
	readonly port: number;
	readonly pid: number;
	readonly persistDir: string;
	/** wrangler's output so far (tail). */
	output(): string;
}

interface Running extends WranglerDev {
	child: ChildProcess;
	exited: Promise<void>;
	tempDir: string;
}

/** Process groups still alive, killed on the way out if a test run dies before `stopWranglerDev`. */
const groups = new Set<number>();
process.once("exit", () => {
	for (const pid of groups) killGroup(pid, "SIGKILL");
});

/** A port nothing listens on now: bind port 0, read it, let it go. Several at once are distinct. */
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

export async function startWranglerDev(options: StartOptions = {}): Promise<WranglerDev> {
	const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
	const tempDir = await mkdtemp(join(tmpdir(), "edge-rooms-e2e-"));
	const persistDir = join(tempDir, "state");
	const envFile = join(tempDir, "vars.env");
	await writeFile(
		envFile,
		Object.entries(options.vars ?? {})
			.map(([key, value]) => `${key}=${JSON.stringify(value)}\n`)
			.join(""),
	);
	const [port, inspectorPort] = (await freePorts(2)) as [number, number];

	const args = [
		WRANGLER,
		"dev",
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
		persistDir,
		"--env-file",
		envFile,
		"--show-interactive-dev-session=false",
		"--live-reload=false",
		...(options.args ?? []),
	];
	const child = spawn(nodeBinary(), args, {
		cwd: REPO_ROOT,
		// Its own process group, so that stopping it reaches workerd too.
		detached: true,
		stdio: ["ignore", "pipe", "pipe"],
		env: {
			...process.env,
			CI: "true",
			WRANGLER_SEND_METRICS: "false",
			CLOUDFLARE_INCLUDE_PROCESS_ENV: "false",
			WRANGLER_LOG_PATH: join(tempDir, "logs"),
			NO_COLOR: "1",
			FORCE_COLOR: "0",
		},
	});
	if (child.pid === undefined) {
		await rm(tempDir, { recursive: true, force: true });
		throw new Error(`could not spawn wrangler dev (${nodeBinary()} ${WRANGLER})`);
	}
	const pid = child.pid;
	groups.add(pid);

	let output = "";
	const record = (chunk: Buffer) => {
		output += chunk.toString("utf8").replace(ANSI_ESCAPE, "");
		if (output.length > MAX_OUTPUT_CHARS) output = output.slice(-MAX_OUTPUT_CHARS);
		if (process.env.E2E_VERBOSE) process.stderr.write(chunk);
	};
	child.stdout?.on("data", record);
	child.stderr?.on("data", record);
	let exitStatus: string | undefined;
	const exited = new Promise<void>((done) => {
		child.once("exit", (code, signal) => {
			exitStatus = signal ? `signal ${signal}` : `code ${code}`;
			done();
		});
		child.once("error", (error) => {
			exitStatus = `spawn error ${error.message}`;
			done();
		});
	});

	const origin = `http://${HOST}:${port}`;
	const running: Running = {
		origin,
		wsOrigin: `ws://${HOST}:${port}`,
		port,
		pid,
		persistDir,
		output: () => output,
		child,
		exited,
		tempDir,
	};

	const deadline = Date.now() + readyTimeoutMs;
	let lastProblem = "no answer yet";
	while (true) {
		if (exitStatus !== undefined) {
			await stopWranglerDev(running);
			throw new Error(`wrangler dev exited before it was ready (${exitStatus}).\n--- wrangler output ---\n${output}`);
		}
		try {
			const response = await fetch(`${origin}/health`, {
				signal: AbortSignal.timeout(2000),
			});
			const body = await response.text();
			if (response.status === 200) break;
			lastProblem = `GET /health answered ${response.status}: ${body.slice(0, 200)}`;
		} catch (error) {
			lastProblem = `GET /health failed: ${(error as Error).cause ?? (error as Error).message}`;
		}
		if (Date.now() >= deadline) {
			await stopWranglerDev(running);
			throw new Error(
				`wrangler dev was not ready on ${origin} after ${readyTimeoutMs} ms (${lastProblem}).\n--- wrangler output ---\n${output}`,
			);
		}
		await new Promise((done) => setTimeout(done, 250));
	}
	return running;
}

function killGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
	try {
		process.kill(-pid, signal);
		return true;
	} catch {
		return false; // ESRCH: the group is gone
	}
}

async function groupGone(pid: number, timeoutMs: number): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (!killGroup(pid, 0)) return true;
		await new Promise((done) => setTimeout(done, 100));
	}
	return !killGroup(pid, 0);
}

/** Stops wrangler and every process of its group (workerd included), then removes its temp dir. */
export async function stopWranglerDev(dev: WranglerDev | undefined): Promise<void> {
	if (!dev) return;
	const running = dev as Running;
	if (groups.has(running.pid)) {
		killGroup(running.pid, "SIGTERM");
		if (!(await groupGone(running.pid, 5000))) {
			killGroup(running.pid, "SIGKILL");
			await groupGone(running.pid, 5000);
		}
		groups.delete(running.pid);
	}
	await Promise.race([running.exited, new Promise((done) => setTimeout(done, 5000))]);
	running.child.stdout?.destroy();
	running.child.stderr?.destroy();
	await rm(running.tempDir, { recursive: true, force: true });
}
