/**
 * The command line and environment of a `wrangler dev` that depends on nothing of the developer's:
 *
 * - its own, private env file: given `--env-file`, wrangler reads neither `.dev.vars` nor `.env`,
 *   for the Worker's variables or its own settings;
 * - every variable the caller pins as `--var`, which wins over the config's `[vars]` and any file;
 * - the shell's environment kept out of the Worker (CLOUDFLARE_INCLUDE_PROCESS_ENV=false);
 * - loopback only, no metrics, nothing fetched from Cloudflare, logs in a directory of its own;
 * - V8 flags for the workerd only when asked (`v8Flags`: the benchmark's `--expose-gc`);
 * - without wrangler's local trace collector (X_LOCAL_OBSERVABILITY=false): it stores every
 *   event's trace in a SQLite database in the Worker's own workerd, about 1 ms of CPU per
 *   WebSocket frame received, which no deployed Worker pays (bench/README.md).
 *
 * Pure, so that a unit test can check all of the above without starting anything.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** wrangler's own entry script, run with the project's Node. */
const WRANGLER = join(dirname(fileURLToPath(import.meta.url)), "../../node_modules/wrangler/bin/wrangler.js");
const HOST = "127.0.0.1";

export interface WranglerDevCommandOptions {
	/** The wrangler config; wrangler's default (`./wrangler.toml`) when undefined. */
	config?: string;
	port: number;
	inspectorPort: number;
	/** Where the Durable Objects' SQLite and the rest of local state live. */
	persistTo: string;
	/** A file wrangler reads instead of `.dev.vars` and `.env`: empty, or the caller's. */
	envFile: string;
	/** wrangler's debug logs. */
	logDir: string;
	/** Worker variables, each passed with `--var NAME:VALUE`. */
	vars?: Readonly<Record<string, string>>;
	/** Any further `wrangler dev` arguments. */
	extraArgs?: readonly string[];
	/** Flags for the workerd's V8 (miniflare's `MINIFLARE_WORKERD_V8_FLAGS`), e.g. `--expose-gc`. */
	v8Flags?: readonly string[];
}

export interface WranglerDevCommand {
	/** Arguments to Node: wrangler's script first. */
	args: string[];
	/** Added to the environment of the spawned process. */
	env: Record<string, string>;
}

export function wranglerDevCommand(options: WranglerDevCommandOptions): WranglerDevCommand {
	const args = [WRANGLER, "dev"];
	if (options.config !== undefined) args.push("--config", options.config);
	args.push(
		"--local",
		"--ip",
		HOST,
		"--port",
		String(options.port),
		"--inspector-ip",
		HOST,
		"--inspector-port",
		String(options.inspectorPort),
		"--persist-to",
		options.persistTo,
		"--env-file",
		options.envFile,
		"--show-interactive-dev-session=false",
		"--live-reload=false",
		"--log-level",
		"log",
	);
	for (const [name, value] of Object.entries(options.vars ?? {})) args.push("--var", `${name}:${value}`);
	args.push(...(options.extraArgs ?? []));
	return {
		args,
		env: {
			CI: "true",
			WRANGLER_SEND_METRICS: "false",
			CLOUDFLARE_CF_FETCH_ENABLED: "false",
			CLOUDFLARE_INCLUDE_PROCESS_ENV: "false",
			X_LOCAL_OBSERVABILITY: "false",
			WRANGLER_LOG_PATH: options.logDir,
			NO_COLOR: "1",
			FORCE_COLOR: "0",
			...(options.v8Flags?.length ? { MINIFLARE_WORKERD_V8_FLAGS: options.v8Flags.join(" ") } : {}),
		},
	};
}
