/**
 * The `wrangler dev` of the e2e tests and the benchmark (scripts/local-server) reads nothing of
 * the developer's: its own env file (given one, wrangler reads neither .dev.vars nor .env), every
 * pinned variable as `--var` (which wins over wrangler.toml and any file), no shell environment.
 */
import { describe, expect, it } from "vitest";
import { isPortTaken } from "../../scripts/local-server/port-taken";
import { wranglerDevCommand } from "../../scripts/local-server/wrangler-dev-command";
import { E2E_SECURED_VARS, WORKER_VARIABLES } from "../support/pinned-vars";

const command = wranglerDevCommand({
	port: 40_001,
	inspectorPort: 40_002,
	persistTo: "/tmp/x/state",
	envFile: "/tmp/x/empty.env",
	logDir: "/tmp/x/logs",
	vars: E2E_SECURED_VARS,
});

/** The values given to each occurrence of a flag. */
function valuesOf(flag: string): string[] {
	return command.args.flatMap((arg, i) => (arg === flag ? [command.args[i + 1] ?? ""] : []));
}

describe("the wrangler dev command", () => {
	it("runs wrangler's own script, local, on loopback, at the ports and state directory given", () => {
		expect(command.args[0]).toMatch(/node_modules\/wrangler\/bin\/wrangler\.js$/);
		expect(command.args[1]).toBe("dev");
		expect(command.args).toContain("--local");
		expect(valuesOf("--ip")).toEqual(["127.0.0.1"]);
		expect(valuesOf("--port")).toEqual(["40001"]);
		expect(valuesOf("--inspector-ip")).toEqual(["127.0.0.1"]);
		expect(valuesOf("--inspector-port")).toEqual(["40002"]);
		expect(valuesOf("--persist-to")).toEqual(["/tmp/x/state"]);
	});

	it("reads its own env file only, so neither .dev.vars nor .env", () => {
		expect(valuesOf("--env-file")).toEqual(["/tmp/x/empty.env"]);
	});

	it("passes every pinned variable with --var, empty ones included, values with colons whole", () => {
		const passed = Object.fromEntries(
			valuesOf("--var").map((pair) => [pair.slice(0, pair.indexOf(":")), pair.slice(pair.indexOf(":") + 1)]),
		);
		expect(Object.keys(passed).sort()).toEqual([...WORKER_VARIABLES].sort());
		expect(passed).toEqual(E2E_SECURED_VARS);
	});

	it("keeps the shell's environment out of the Worker, sends no metrics, fetches nothing and collects no traces", () => {
		expect(command.env).toMatchObject({
			CLOUDFLARE_INCLUDE_PROCESS_ENV: "false",
			WRANGLER_SEND_METRICS: "false",
			CLOUDFLARE_CF_FETCH_ENABLED: "false",
			X_LOCAL_OBSERVABILITY: "false",
			WRANGLER_LOG_PATH: "/tmp/x/logs",
		});
	});

	it("uses wrangler's default config unless given one", () => {
		expect(valuesOf("--config")).toEqual([]);
		const bench = wranglerDevCommand({
			config: "bench/servers/ours/wrangler.toml",
			port: 1,
			inspectorPort: 2,
			persistTo: "s",
			envFile: "e",
			logDir: "l",
		});
		expect(bench.args.slice(2, 4)).toEqual(["--config", "bench/servers/ours/wrangler.toml"]);
		expect(bench.args).not.toContain("--var");
	});

	it("gives the workerd's V8 flags only when asked (the benchmark's --expose-gc)", () => {
		expect(command.env).not.toHaveProperty("MINIFLARE_WORKERD_V8_FLAGS");
		const flagged = wranglerDevCommand({
			port: 1,
			inspectorPort: 2,
			persistTo: "s",
			envFile: "e",
			logDir: "l",
			v8Flags: ["--expose-gc", "--trace-gc"],
		});
		expect(flagged.env.MINIFLARE_WORKERD_V8_FLAGS).toBe("--expose-gc --trace-gc");
		expect(flagged.args).toEqual(
			wranglerDevCommand({ port: 1, inspectorPort: 2, persistTo: "s", envFile: "e", logDir: "l" }).args,
		);
	});
});

describe("a start that lost its port", () => {
	it("is told apart from other failed starts, so that only it is tried again on fresh ports", () => {
		const wranglerSaid = new Error(
			"bench-ours exited before it was ready (code 1).\n✘ [ERROR] Address already in use (127.0.0.1:33071). Please check…",
		);
		const nodeSaid = new Error(
			"node-ws exited before it was ready (code 1).\nError: listen EADDRINUSE: address already in use",
		);
		expect(isPortTaken(wranglerSaid)).toBe(true);
		expect(isPortTaken(nodeSaid)).toBe(true);
		expect(isPortTaken(new Error("e2e-open was not ready on http://127.0.0.1:1 after 60000 ms"))).toBe(false);
		expect(isPortTaken("Address already in use")).toBe(false);
	});
});
