/**
 * Debian's `mosquitto` with its WebSocket listener, bench (i)'s C broker on one thread: started on
 * free loopback ports with a config file written for the run (mosquitto-config.ts), stopped at
 * the end, its CPU read from its process like workerd's.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePorts, LOOPBACK } from "../../scripts/local-server/loopback.ts";
import { rssOf, sleep } from "../../scripts/local-server/process-group.ts";
import type { RunningServer } from "./launch.ts";
import { mosquittoConfig } from "./mosquitto-config.ts";

/** The broker's path, or undefined when it is not installed (`.ci/run` installs it with apt-get). */
export function mosquittoPath(): string | undefined {
	for (const path of ["/usr/sbin/mosquitto", "mosquitto"]) {
		try {
			execFileSync(path, ["-h"], { stdio: "ignore" });
			return path;
		} catch (error) {
			// `mosquitto -h` prints its usage and exits 3: installed
			if ((error as { status?: number }).status === 3) return path;
		}
	}
	return undefined;
}

/** Until something accepts a TCP connection on the port, the broker's exit, or the timeout. */
async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline && child.exitCode === null) {
		const open = await new Promise<boolean>((done) => {
			const socket = connect(port, LOOPBACK);
			socket.once("connect", () => done(true));
			socket.once("error", () => done(false));
		}).catch(() => false);
		if (open) return;
		await sleep(100);
	}
	throw new Error(`mosquitto did not listen on ${port} (exit ${child.exitCode})`);
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
	for (const child of running) child.kill("SIGKILL");
});

/** Starts the broker; its `origin`s are its WebSocket listener's. */
export async function startMosquitto(name: string, options: { tempRoot?: string } = {}): Promise<RunningServer> {
	const binary = mosquittoPath();
	if (!binary) throw new Error("mosquitto is not installed: apt-get install -y mosquitto (Debian's, as .ci/run does)");
	const dir = mkdtempSync(join(options.tempRoot ?? tmpdir(), "edge-rooms-mosquitto-"));
	const [wsPort, tcpPort] = (await freePorts(2)) as [number, number];
	const config = join(dir, "mosquitto.conf");
	writeFileSync(config, mosquittoConfig(LOOPBACK, wsPort, tcpPort));
	const child = spawn(binary, ["-c", config], { stdio: ["ignore", "pipe", "pipe"] });
	running.add(child);
	let output = "";
	const record = (chunk: Buffer) => {
		output = (output + chunk.toString("utf8")).slice(-16_000);
		if (process.env.BENCH_VERBOSE) process.stderr.write(chunk);
	};
	child.stdout?.on("data", record);
	child.stderr?.on("data", record);
	const exited = new Promise<void>((done) => child.once("exit", () => done()));
	const stop = async () => {
		if (child.exitCode === null && child.signalCode === null) {
			child.kill("SIGTERM");
			await Promise.race([exited, sleep(3000)]);
			if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
			await Promise.race([exited, sleep(3000)]);
		}
		running.delete(child);
		rmSync(dir, { recursive: true, force: true });
	};
	try {
		await waitForPort(wsPort, child, 10_000);
	} catch (error) {
		await stop();
		throw new Error(`${(error as Error).message}\n--- output ---\n${output}`);
	}
	const pid = child.pid as number;
	return {
		name,
		origin: `http://${LOOPBACK}:${wsPort}`,
		wsOrigin: `ws://${LOOPBACK}:${wsPort}`,
		proxyOrigin: `http://${LOOPBACK}:${wsPort}`,
		rssBytes: () => rssOf(pid),
		workPids: () => [pid],
		wakeLines: () => [],
		output: () => output,
		stop,
	};
}
