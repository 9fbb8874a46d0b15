/**
 * Starts a real `wrangler dev` (local workerd) on free loopback ports, ready when GET /health
 * answers, with private state and no developer settings (see wrangler-dev-command.ts), and stops
 * or crashes it with everything it spawned. The end-to-end tests and the benchmark both use it.
 *
 *   const dev = await startWranglerDev({ vars: { AUTH_SECRET: "" } });
 *   try { … fetch(`${dev.origin}/health`) … } finally { await dev.stop(); }
 *
 * A restart keeps the rooms' state when both runs share a persistence directory the caller owns:
 *
 *   const first = await startWranglerDev({ persistDir });
 *   await first.kill();   // kill -9 of the whole group, as a crash would
 *   const second = await startWranglerDev({ persistDir, port: first.port });
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LOOPBACK, startOnFreePorts, waitUntilHealthy } from "./loopback.ts";
import { type GroupMember, type ProcessGroup, startProcessGroup } from "./process-group.ts";
import { wranglerDevCommand } from "./wrangler-dev-command.ts";

export interface WranglerDevOptions {
	/** The server's name in error messages and in its temporary directory's (letters, digits, dashes). */
	name?: string;
	/** The wrangler config; `./wrangler.toml` when undefined. */
	config?: string;
	/** Worker variables, passed with `--var` so that they win over the config and any file. */
	vars?: Readonly<Record<string, string>>;
	/** A fixed port, e.g. the one of a server being restarted; a free one when undefined. */
	port?: number;
	/** A fixed inspector port; a free one when undefined. */
	inspectorPort?: number;
	/** Local state kept by the caller (and not removed on stop); a private one when undefined. */
	persistDir?: string;
	/**
	 * Where the private folder (logs and, without `persistDir`, state) is made; the system's
	 * temporary folder when undefined.
	 */
	tempRoot?: string;
	/** How long to wait for GET /health to answer 200. */
	readyTimeoutMs?: number;
	/** Further `wrangler dev` arguments. */
	extraArgs?: readonly string[];
	/** Flags for the workerd's V8, e.g. `--expose-gc` (the benchmark's settled memory reading). */
	v8Flags?: readonly string[];
	/** Called with each line wrangler and the Worker print. */
	onLine?: (line: string) => void;
	/** Also copy the output to this process's stderr. */
	echo?: boolean;
}

export interface WranglerDev {
	/** `http://127.0.0.1:PORT`, wrangler's own address (its proxy in front of the Worker's workerd). */
	readonly origin: string;
	/** `ws://127.0.0.1:PORT` */
	readonly wsOrigin: string;
	readonly port: number;
	readonly inspectorPort: number;
	/** The process group's id (wrangler's pid). */
	readonly pid: number;
	readonly persistDir: string;
	/** The tail of what it printed. */
	output(): string;
	/** The workerd processes it runs (a proxy and the Worker's own). */
	workerd(): GroupMember[];
	/** Stops the whole group (SIGTERM, then SIGKILL), then removes its temporary files. */
	stop(): Promise<void>;
	/** kill -9 of the whole group; its files stay until `stop`. */
	kill(): Promise<void>;
}

export async function startWranglerDev(options: WranglerDevOptions = {}): Promise<WranglerDev> {
	const name = options.name ?? "wrangler-dev";
	const tempDir = await mkdtemp(join(options.tempRoot ?? tmpdir(), `edge-rooms-${name}-`));
	const persistDir = options.persistDir ?? join(tempDir, "state");
	const envFile = join(tempDir, "empty.env");
	await writeFile(envFile, "");
	const removeFiles = () => rm(tempDir, { recursive: true, force: true });
	// Only ports chosen here may be chosen again; a port the caller fixed that is taken stays taken.
	const portsAreOurs = options.port === undefined || options.inspectorPort === undefined;
	try {
		return await startOnFreePorts(
			2,
			async ([freePort, freeInspectorPort]) => {
				const port = options.port ?? (freePort as number);
				const inspectorPort = options.inspectorPort ?? (freeInspectorPort as number);
				const command = wranglerDevCommand({
					config: options.config,
					port,
					inspectorPort,
					persistTo: persistDir,
					envFile,
					logDir: join(tempDir, "logs"),
					vars: options.vars,
					extraArgs: options.extraArgs,
					v8Flags: options.v8Flags,
				});
				const group = startProcessGroup({ ...command, onLine: options.onLine, echo: options.echo });
				const origin = `http://${LOOPBACK}:${port}`;
				await waitUntilHealthy(group, { name, origin, timeoutMs: options.readyTimeoutMs ?? 60_000 });
				return running(group, { origin, port, inspectorPort, persistDir, removeFiles });
			},
			portsAreOurs ? undefined : 0,
		);
	} catch (error) {
		await removeFiles();
		throw error;
	}
}

function running(
	group: ProcessGroup,
	started: { origin: string; port: number; inspectorPort: number; persistDir: string; removeFiles(): Promise<void> },
): WranglerDev {
	const { origin, port, inspectorPort, persistDir, removeFiles } = started;
	return {
		origin,
		wsOrigin: `ws://${LOOPBACK}:${port}`,
		port,
		inspectorPort,
		pid: group.pid,
		persistDir,
		output: group.output,
		workerd: () => group.members().filter((member) => member.comm.startsWith("workerd")),
		stop: async () => {
			await group.stop();
			await removeFiles();
		},
		kill: group.kill,
	};
}
