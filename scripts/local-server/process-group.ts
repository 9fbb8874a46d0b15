/**
 * A local server as a Node child in a process group of its own, so that stopping it reaches
 * everything it spawned (`wrangler dev` runs workerd as children): start it, keep the tail of its
 * output, stop it (SIGTERM, then SIGKILL), kill -9 it at once as a crash would, and read its
 * members and their memory from /proc (Linux).
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The project's own Node (the `node` devDependency); wrangler needs a newer one than the system may have. */
const PROJECT_NODE = join(REPO_ROOT, "node_modules", "node", "bin", "node");
/** Output kept for error messages: the tail of stdout and stderr, interleaved. */
const MAX_OUTPUT_CHARS = 64_000;
/** Terminal colour codes, which wrangler prints for errors even with NO_COLOR. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the escape character is the point
const ANSI_ESCAPE = /\u001b\[[0-9;]*m/g;
/** How long a group gets to go after SIGTERM, and then after SIGKILL. */
const GRACE_MS = 5000;

export interface GroupOptions {
	/** What to run with the project's Node: a script and its arguments. */
	args: string[];
	/** Variables added to this process's environment. */
	env?: Record<string, string>;
	/** Called with each complete line of output (stdout or stderr), colour codes removed. */
	onLine?: (line: string) => void;
	/** Also copy the raw output to this process's stderr. */
	echo?: boolean;
}

export interface GroupMember {
	pid: number;
	/** The command name from /proc/PID/stat (workerd's is `workerd`). */
	comm: string;
}

export interface ProcessGroup {
	/** The leader's pid, which is also the group's id. */
	readonly pid: number;
	/** The tail of its output, colour codes removed. */
	output(): string;
	/** How the leader ended (`code 1`, `signal SIGKILL`, `spawn error …`), or undefined while it runs. */
	exitStatus(): string | undefined;
	/** Every live process of the group. */
	members(): GroupMember[];
	/** SIGTERM to the whole group, SIGKILL if it lingers; resolves once it is gone. */
	stop(): Promise<void>;
	/** SIGKILL to the whole group at once, with no chance to clean up; resolves once it is gone. */
	kill(): Promise<void>;
}

/** Groups still running, killed on the way out if this process ends before stopping them. */
const running = new Set<number>();
process.once("exit", () => {
	for (const pid of running) signalGroup(pid, "SIGKILL");
});

export function startProcessGroup(options: GroupOptions): ProcessGroup {
	const node = existsSync(PROJECT_NODE) ? PROJECT_NODE : process.execPath;
	const child = spawn(node, options.args, {
		cwd: REPO_ROOT,
		detached: true,
		stdio: ["ignore", "pipe", "pipe"],
		env: { ...process.env, ...options.env },
	});
	if (child.pid === undefined) throw new Error(`could not spawn ${node} ${options.args.join(" ")}`);
	const pid = child.pid;
	running.add(pid);

	let output = "";
	let partialLine = "";
	const record = (chunk: Buffer) => {
		const text = chunk.toString("utf8").replace(ANSI_ESCAPE, "");
		output += text;
		if (output.length > MAX_OUTPUT_CHARS) output = output.slice(-MAX_OUTPUT_CHARS);
		if (options.onLine) {
			const lines = (partialLine + text).split("\n");
			partialLine = lines.pop() ?? "";
			for (const line of lines) options.onLine(line);
		}
		if (options.echo) process.stderr.write(chunk);
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

	const end = async (firstSignal: "SIGTERM" | "SIGKILL") => {
		if (running.has(pid)) {
			signalGroup(pid, firstSignal);
			if (!(await groupGone(pid, GRACE_MS)) && firstSignal !== "SIGKILL") {
				signalGroup(pid, "SIGKILL");
				await groupGone(pid, GRACE_MS);
			}
			running.delete(pid);
		}
		await Promise.race([exited, sleep(GRACE_MS)]);
		child.stdout?.destroy();
		child.stderr?.destroy();
	};

	return {
		pid,
		output: () => output,
		exitStatus: () => exitStatus,
		members: () => groupMembers(pid),
		stop: () => end("SIGTERM"),
		kill: () => end("SIGKILL"),
	};
}

/** Resident memory (VmRSS) of a process in bytes; 0 once it is gone. */
export function rssOf(pid: number): number {
	try {
		const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
		return match ? Number(match[1]) * 1024 : 0;
	} catch {
		return 0;
	}
}

export function sleep(ms: number): Promise<void> {
	return new Promise((done) => setTimeout(done, ms));
}

function groupMembers(pgid: number): GroupMember[] {
	const found: GroupMember[] = [];
	for (const entry of readdirSync("/proc")) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
			// The name sits in parentheses and may hold spaces; the fields after it are plain.
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

function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
	try {
		process.kill(-pgid, signal);
		return true;
	} catch {
		return false; // ESRCH: the group is gone
	}
}

async function groupGone(pgid: number, timeoutMs: number): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (!signalGroup(pgid, 0)) return true;
		await sleep(100);
	}
	return !signalGroup(pgid, 0);
}
