/**
 * `npm run bench [-- --quick] [-- --servers ours,bare] [-- --rounds N]`
 *
 * Starts each server on loopback in turn (interleaved: every round runs every server, in an order
 * rotated by one each round), drives it with the load generator in this process, prints a
 * Markdown table of medians with the ratios ours/bare and ours/partyserver, writes
 * bench/results/latest.json, and ends stdout with one `SUMMARY {...}` line.
 * Progress goes to stderr. See bench/README.md for the scenarios and every setting.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import type { Protocol, Target } from "./load/clients.ts";
import { FULL, QUICK, runServer, type ServerResult, type Settings } from "./load/scenarios.ts";
import { median, ratio } from "./load/stats.ts";
import { REPO_ROOT, type ServerKind, sleep, startServer } from "./servers/launch.ts";

interface ServerSpec {
	kind: ServerKind;
	protocol: Protocol;
	path(room: string): string;
	about: string;
}

const SERVERS: Record<string, ServerSpec> = {
	ours: {
		kind: { type: "wrangler", config: "bench/servers/ours/wrangler.toml" },
		protocol: "rooms",
		path: (room) => `/rooms/${room}/ws`,
		about: "the project's Worker and Room (src/) under wrangler dev",
	},
	bare: {
		kind: { type: "wrangler", config: "bench/servers/bare/wrangler.toml" },
		protocol: "bare",
		path: (room) => `/rooms/${room}/ws`,
		about: "a Durable Object relaying frames with send(), nothing else",
	},
	partyserver: {
		kind: { type: "wrangler", config: "bench/servers/partyserver/wrangler.toml" },
		protocol: "rooms",
		path: (room) => `/parties/party-room/${room}`,
		about: "a partyserver room with the same roster and broadcast",
	},
	"node-ws": {
		kind: { type: "node", script: "bench/servers/node-ws/server.ts" },
		protocol: "rooms",
		path: (room) => `/rooms/${room}/ws`,
		about: "Node ws server, rooms in memory",
	},
	socketio: {
		kind: { type: "node", script: "bench/servers/socketio/server.ts" },
		protocol: "socketio",
		path: () => "/",
		about: "Socket.IO rooms, WebSocket transport",
	},
};

function parseArgs(argv: string[]): { settings: Settings; servers: string[]; direct: boolean } {
	let settings: Settings = FULL;
	let direct = true;
	let servers = Object.keys(SERVERS);
	let rounds: number | undefined;
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		if (arg === "--quick") settings = QUICK;
		else if (arg === "--full") settings = FULL;
		else if (arg === "--servers") servers = (argv[++i] ?? "").split(",").filter(Boolean);
		else if (arg === "--rounds") rounds = Number(argv[++i]);
		else if (arg === "--via-proxy") direct = false;
		else throw new Error(`unknown argument ${arg}; use --quick, --servers a,b, --rounds N, --via-proxy`);
	}
	for (const name of servers) if (!SERVERS[name]) throw new Error(`unknown server ${name}`);
	return { settings: rounds ? { ...settings, rounds } : settings, servers, direct };
}

const log = (line: string) => process.stderr.write(`${line}\n`);

function version(pkg: string): string {
	try {
		return JSON.parse(readFileSync(join(REPO_ROOT, "node_modules", pkg, "package.json"), "utf8")).version;
	} catch {
		return "?";
	}
}

function gitCommit(): string {
	try {
		return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: REPO_ROOT, encoding: "utf8" }).trim();
	} catch {
		return "?";
	}
}

/** The medians over rounds of one server's numbers. */
function medians(results: ServerResult[], settings: Settings) {
	const largest = settings.registerCounts[settings.registerCounts.length - 1];
	const registerBy = (n: number) => results.map((r) => r.register.find((x) => x.n === n));
	return {
		rounds: results.length,
		register: Object.fromEntries(
			settings.registerCounts.map((n) => [
				n,
				{
					ms: median(registerBy(n).map((x) => x?.ms)),
					perSecond: median(registerBy(n).map((x) => x?.perSecond)),
				},
			]),
		),
		bytesPerSocket: median(registerBy(largest as number).map((x) => x?.bytesPerSocket)),
		fanout: {
			p50: median(results.map((r) => r.fanout?.latencyMs.p50)),
			p95: median(results.map((r) => r.fanout?.latencyMs.p95)),
			p99: median(results.map((r) => r.fanout?.latencyMs.p99)),
			max: median(results.map((r) => r.fanout?.latencyMs.max)),
			lost: median(results.map((r) => r.fanout?.lost)),
			duplicated: median(results.map((r) => r.fanout?.duplicated)),
		},
		throughput: median(results.map((r) => r.throughput?.deliveredPerSecond)),
		throughputP99: median(results.map((r) => r.throughput?.best?.latencyMs.p99)),
		serverCpuUsPerDelivery: median(results.map((r) => r.throughput?.best?.serverCpuUsPerDelivery)),
		idleWakes: median(results.map((r) => r.idle?.wakes)),
	};
}
type Medians = ReturnType<typeof medians>;

function fmt(value: number | null | undefined, digits = 0): string {
	if (typeof value !== "number" || !Number.isFinite(value)) return "–";
	return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function table(names: string[], m: Record<string, Medians>, settings: Settings): string {
	const rows: { label: string; get: (x: Medians) => number | null; digits: number }[] = [];
	for (const n of settings.registerCounts) {
		rows.push({ label: `(a) connect+register ${n}: ms`, get: (x) => x.register[n]?.ms ?? null, digits: 0 });
		rows.push({
			label: `(a) connect+register ${n}: sockets/s`,
			get: (x) => x.register[n]?.perSecond ?? null,
			digits: 0,
		});
	}
	rows.push(
		{ label: "(b) fan-out latency p50 ms", get: (x) => x.fanout.p50, digits: 1 },
		{ label: "(b) fan-out latency p95 ms", get: (x) => x.fanout.p95, digits: 1 },
		{ label: "(b) fan-out latency p99 ms", get: (x) => x.fanout.p99, digits: 1 },
		{ label: "(b) fan-out latency max ms", get: (x) => x.fanout.max, digits: 1 },
		{
			label: "(b) lost / duplicated deliveries",
			get: (x) => (x.fanout.lost ?? 0) + (x.fanout.duplicated ?? 0),
			digits: 0,
		},
		{ label: "(c) throughput, deliveries/s at p99 ≤ 250 ms", get: (x) => x.throughput, digits: 0 },
		{ label: "(c) server CPU µs per delivery (at that step)", get: (x) => x.serverCpuUsPerDelivery, digits: 2 },
		{ label: "(d) idle: room wake-ups", get: (x) => x.idleWakes, digits: 0 },
		{ label: "(e) memory per socket, bytes (RSS growth)", get: (x) => x.bytesPerSocket, digits: 0 },
	);
	const head = ["scenario / metric (median)", ...names, "ours/bare", "ours/partyserver"];
	const lines = [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`];
	for (const row of rows) {
		const values = names.map((name) => (m[name] ? row.get(m[name]) : null));
		const ours = m.ours ? row.get(m.ours) : null;
		const cells = [
			row.label,
			...values.map((v) => fmt(v, row.digits)),
			fmt(ratio(ours, m.bare ? row.get(m.bare) : null), 2),
			fmt(ratio(ours, m.partyserver ? row.get(m.partyserver) : null), 2),
		];
		lines.push(`| ${cells.join(" | ")} |`);
	}
	return lines.join("\n");
}

async function main(): Promise<void> {
	const { settings, servers, direct } = parseArgs(process.argv.slice(2));
	const startedAt = new Date();
	const machine = {
		cpus: cpus().length,
		cpuModel: cpus()[0]?.model ?? "?",
		memoryGiB: Math.round(totalmem() / 2 ** 30),
		loadAverageAtStart: loadavg(),
		node: process.version,
		wrangler: version("wrangler"),
		// the workerd that wrangler runs: its own copy when it has one
		workerd:
			version("wrangler/node_modules/workerd") === "?" ? version("workerd") : version("wrangler/node_modules/workerd"),
		partyserver: version("partyserver"),
		socketio: version("socket.io"),
		ws: version("ws"),
		commit: gitCommit(),
	};
	log(
		`bench ${settings.mode}: ${settings.rounds} round(s), servers ${servers.join(", ")}; ${machine.cpus} cores, load ${machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(" ")}`,
	);
	if (settings.mode === "quick") {
		log(
			`quick mode: N=${settings.registerCounts.join("/")}, 1 round, idle ${settings.idleSeconds}s with pings every ${settings.pingEverySeconds}s for ${settings.idleServers.join("+")} only: numbers are indicative`,
		);
	}
	const results: ServerResult[] = [];
	const failures: string[] = [];
	for (let round = 0; round < settings.rounds; round++) {
		const order = servers.map((_, i) => servers[(i + round) % servers.length] as string);
		for (const name of order) {
			const spec = SERVERS[name] as ServerSpec;
			log(`round ${round + 1}/${settings.rounds}: ${name} (${spec.about})`);
			const started = performance.now();
			let server: Awaited<ReturnType<typeof startServer>> | undefined;
			try {
				server = await startServer(name, spec.kind, { direct });
				const running = server;
				const target: Target = {
					protocol: spec.protocol,
					origin: running.origin,
					roomUrl: (room) => `${running.wsOrigin}${spec.path(room)}`,
				};
				await runServer(running, target, settings, round, log, results);
			} catch (error) {
				const text = `${name} round ${round + 1}: ${(error as Error).stack ?? error}`;
				failures.push(text);
				log(`FAILED ${text}`);
				if (server) log(server.output().slice(-3000));
			} finally {
				await server?.stop();
			}
			log(`  ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
			await sleep(500);
		}
	}

	const byServer: Record<string, Medians> = {};
	for (const name of servers) {
		const own = results.filter((r) => r.server === name);
		if (own.length) byServer[name] = medians(own, settings);
	}
	const o = byServer.ours;
	const summary = {
		throughputVsBare: ratio(o?.throughput, byServer.bare?.throughput),
		throughputVsPartyserver: ratio(o?.throughput, byServer.partyserver?.throughput),
		p99VsBare: ratio(o?.fanout.p99, byServer.bare?.fanout.p99),
		p99Ms: o?.fanout.p99 ?? null,
		bytesPerSocket: o?.bytesPerSocket ?? null,
		heartbeatWakes: o?.idleWakes ?? null,
	};
	const finishedAt = new Date();
	const markdown = table(servers, byServer, settings);
	const report = {
		startedAt: startedAt.toISOString(),
		finishedAt: finishedAt.toISOString(),
		seconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
		command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
		machine: { ...machine, loadAverageAtEnd: loadavg() },
		settings,
		workersPath: direct ? "direct to the Worker's workerd" : "through wrangler dev's proxy",
		servers: Object.fromEntries(servers.map((name) => [name, SERVERS[name]?.about])),
		medians: byServer,
		summary,
		failures,
		table: markdown,
		runs: results,
	};
	mkdirSync(join(REPO_ROOT, "bench", "results"), { recursive: true });
	writeFileSync(join(REPO_ROOT, "bench", "results", "latest.json"), `${JSON.stringify(report, null, "\t")}\n`);

	const note =
		settings.mode === "quick"
			? `Quick mode (indicative only): N=${settings.registerCounts.join("/")}, 1 round, idle ${settings.idleSeconds} s with pings every ${settings.pingEverySeconds} s for ${settings.idleServers.join(" and ")} only.`
			: `Full mode: ${settings.rounds} rounds, medians.`;
	const path = direct
		? "Workers servers reached directly on their workerd (not through wrangler dev's proxy)."
		: "Workers servers reached through wrangler dev's proxy.";
	console.log(
		`\n${markdown}\n\n${note} ${path} ${machine.cpus} cores (${machine.cpuModel}), Node ${machine.node}, wrangler ${machine.wrangler}; ${report.seconds.toFixed(0)} s; written to bench/results/latest.json.`,
	);
	if (failures.length) console.log(`\nFailures:\n${failures.map((f) => `- ${f.split("\n")[0]}`).join("\n")}`);
	console.log(`SUMMARY ${JSON.stringify(summary)}`);
	process.exitCode = failures.length ? 1 : 0;
}

await main();
