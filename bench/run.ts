/**
 * `npm run bench [-- --quick | --smoke] [-- --servers ours,bare] [-- --rounds N] [-- --scenarios core,joins,restart,overload,sharded,events,mqtt] [-- --storage memory|disk]`
 *
 * Starts the servers on loopback (every round runs every server, in an order rotated by one each
 * round; within a round the delivery steps of all servers take turns, see load/core-round.ts),
 * drives them with the load generator in this process, prints a
 * Markdown table of medians with the ratios ours/bare and ours/partyserver, writes
 * bench/results/latest.json, and ends stdout with one `SUMMARY {...}` line.
 * Progress goes to stderr. See bench/README.md for the scenarios and every setting.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import type { Protocol, Target } from "./load/clients.ts";
import { runCoreRound } from "./load/core-round.ts";
import { runEventsRound } from "./load/events.ts";
import { joinRoundServers } from "./load/join-floor.ts";
import { runJoinRound } from "./load/join-modes.ts";
import { runMqttRound } from "./load/mqtt.ts";
import { runOverloadRound } from "./load/overload.ts";
import { runRestart } from "./load/restart.ts";
import { FULL, QUICK, type Settings, SMOKE } from "./load/settings.ts";
import { startServerPair } from "./load/sharded-pair.ts";
import { runShardedRound } from "./load/sharded-round.ts";
import { mqttTables } from "./mqtt-report.ts";
import { type Medians, medians, type Runs, summary, table } from "./report.ts";
import { REPO_ROOT, type RunningServer, type ServerKind, sleep, startServer } from "./servers/launch.ts";
import { startMosquitto } from "./servers/mosquitto.ts";
import { benchStorage, isStorageChoice, type StorageChoice } from "./servers/storage.ts";

interface ServerSpec {
	kind: ServerKind;
	protocol: Protocol;
	path(room: string): string;
	about: string;
	/** The same server at its default limits, for (j); `kind` when it has no other. */
	atDefaults?: ServerKind;
}

const SERVERS: Record<string, ServerSpec> = {
	ours: {
		kind: { type: "wrangler", config: "bench/servers/ours/wrangler.toml" },
		atDefaults: { type: "wrangler", config: "bench/servers/ours/defaults.toml" },
		protocol: "rooms",
		path: (room) => `/rooms/${room}/ws`,
		about: "the project's Worker and Room (src/) under wrangler dev",
	},
	bare: {
		kind: { type: "wrangler", config: "bench/servers/bare/wrangler.toml" },
		protocol: "bare",
		path: (room) => `/rooms/${room}/ws`,
		about: "a Durable Object relaying frames with send() to a cached socket list, nothing else",
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

/**
 * Not a server `--servers` names: ours' companion in the presence-mode joins, started whenever
 * ours joins (load/join-modes.ts), the least a contract join costs (`countJoinVsFloor`).
 */
const COMPANIONS: Record<string, ServerSpec> = {
	floor: {
		kind: { type: "wrangler", config: "bench/servers/floor/wrangler.toml" },
		protocol: "rooms",
		path: (room) => `/rooms/${room}/ws`,
		about: "the join floor: a Durable Object that answers Register and writes one SQLite row in its turn, nothing else",
	},
};

/** The joins' servers run with `gc` exposed, for the settled memory reading (load/settle.ts). */
const JOIN_V8_FLAGS = ["--expose-gc"];

/** Groups of scenarios: (a)-(e) as before presence 1.1, (a) and (e) in presence modes, (f), (j), (h), room events, (i) MQTT. */
const SCENARIO_GROUPS = ["core", "joins", "restart", "overload", "sharded", "events", "mqtt"] as const;
type ScenarioGroup = (typeof SCENARIO_GROUPS)[number];

interface Args {
	settings: Settings;
	servers: string[];
	direct: boolean;
	groups: ReadonlySet<ScenarioGroup>;
	storage: StorageChoice;
	/** (h)'s sharded room: its root and shards in 2 workerd processes (the default), or 1. */
	shardedProcesses: 1 | 2;
}

function parseArgs(argv: string[]): Args {
	let settings: Settings = FULL;
	let direct = true;
	let servers = Object.keys(SERVERS);
	let rounds: number | undefined;
	let groups = new Set<ScenarioGroup>(SCENARIO_GROUPS);
	let storage: StorageChoice = "memory";
	let shardedProcesses: 1 | 2 = 2;
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		if (arg === "--quick") settings = QUICK;
		else if (arg === "--smoke") settings = SMOKE;
		else if (arg === "--full") settings = FULL;
		else if (arg === "--servers") servers = (argv[++i] ?? "").split(",").filter(Boolean);
		else if (arg === "--rounds") rounds = Number(argv[++i]);
		else if (arg === "--via-proxy") direct = false;
		else if (arg === "--sharded-processes") {
			const count = Number(argv[++i]);
			if (count !== 1 && count !== 2) throw new Error("--sharded-processes takes 1 or 2");
			shardedProcesses = count;
		} else if (arg === "--scenarios") groups = new Set((argv[++i] ?? "").split(",").filter(isScenarioGroup));
		else if (arg === "--storage") {
			const choice = argv[++i] ?? "";
			if (!isStorageChoice(choice)) throw new Error(`unknown storage ${choice}; use memory or disk`);
			storage = choice;
		} else
			throw new Error(
				`unknown argument ${arg}; use --quick, --smoke, --servers a,b, --rounds N, --scenarios a,b, --storage memory|disk, --via-proxy, --sharded-processes 1|2`,
			);
	}
	for (const name of servers) if (!SERVERS[name]) throw new Error(`unknown server ${name}`);
	return {
		settings: rounds ? { ...settings, rounds } : settings,
		servers,
		direct,
		groups,
		storage,
		shardedProcesses,
	};
}

function isScenarioGroup(name: string): name is ScenarioGroup {
	if ((SCENARIO_GROUPS as readonly string[]).includes(name)) return true;
	throw new Error(`unknown scenario group ${name}; use ${SCENARIO_GROUPS.join(", ")}`);
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Ours' room URLs on a started server. */
function oursTarget(server: RunningServer): { server: RunningServer; target: Target } {
	const target: Target = {
		protocol: "rooms",
		origin: server.origin,
		roomUrl: (room) => `${server.wsOrigin}/rooms/${room}/ws`,
	};
	return { server, target };
}

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

async function main(): Promise<void> {
	const args = parseArgs(process.argv.slice(2));
	const { settings, servers, direct, groups } = args;
	const storage = benchStorage(args.storage);
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
		`bench ${settings.mode}: ${settings.rounds} round(s), servers ${servers.join(", ")}; ${machine.cpus} cores, load ${machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(" ")}; rooms' state: ${storage.description}`,
	);
	if (settings.mode === "quick") {
		log(
			`quick mode: N=${settings.registerCounts.join("/")}, ${settings.rounds} round(s), idle ${settings.idleSeconds}s with pings every ${settings.pingEverySeconds}s for ${settings.idleServers.join("+")} only: numbers are indicative`,
		);
	}
	const runs: Runs = { scenarios: [], joinModes: [], restarts: [], overload: [], sharded: [], events: [], mqtt: [] };
	const failures: string[] = [];
	const failed = (label: string, error: unknown, output?: () => string) => {
		const text = `${label}: ${(error as Error).stack ?? error}`;
		failures.push(text);
		log(`FAILED ${text}`);
		const tail = output?.().slice(-3000);
		if (tail) log(tail);
	};
	const start = async (name: string, atDefaults = false, v8Flags?: readonly string[]) => {
		const spec = (SERVERS[name] ?? COMPANIONS[name]) as ServerSpec;
		const kind = atDefaults ? (spec.atDefaults ?? spec.kind) : spec.kind;
		const server = await startServer(name, kind, { direct, tempRoot: storage.root, v8Flags });
		const target: Target = {
			protocol: spec.protocol,
			origin: server.origin,
			roomUrl: (room) => `${server.wsOrigin}${spec.path(room)}`,
		};
		return { server, target };
	};
	/** Runs one part, logging how long it took; a failure is recorded and the run goes on. */
	const attempt = async (label: string, part: () => Promise<void>, output?: () => string) => {
		const started = performance.now();
		try {
			await part();
		} catch (error) {
			failed(label, error, output);
		}
		log(`  ${label} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
		await sleep(500);
	};
	for (let round = 0; round < settings.rounds; round++) {
		const order = servers.map((_, i) => servers[(i + round) % servers.length] as string);
		const at = `round ${round + 1}/${settings.rounds}`;
		if (groups.has("core")) {
			log(`${at}: (a)-(e), (g) on ${order.join(", ")}`);
			await runCoreRound(
				order,
				{ settings, round, log, start, failed: (label, error, server) => failed(label, error, server?.output) },
				runs.scenarios,
			);
		}
		const joining = order.filter((name) => settings.joinModeServers.includes(name));
		if (groups.has("joins") && joining.length) {
			log(`${at}: presence-mode joins in turns on ${joinRoundServers(joining).join(", ")}`);
			await attempt("presence-mode joins", () =>
				runJoinRound(
					joining,
					{
						settings,
						round,
						log,
						start: (name) => start(name, false, JOIN_V8_FLAGS),
						failed: (label, error, server) => failed(label, error, server?.output),
					},
					runs.joinModes,
				),
			);
		}
		if (groups.has("sharded") && servers.includes("ours")) {
			log(`${at}: ours (h) sharded room against one object, steps in turn`);
			await attempt("ours (h) sharded", () =>
				runShardedRound(
					{
						settings,
						round,
						log,
						start: async (name, kind) => oursTarget(await startServer(name, kind, { direct, tempRoot: storage.root })),
						startPair:
							args.shardedProcesses === 2
								? async (name, vars) =>
										oursTarget(await startServerPair(name, vars, { direct, tempRoot: storage.root }))
								: undefined,
					},
					runs.sharded,
				),
			);
		}
		if (groups.has("events") && servers.includes("ours")) {
			log(`${at}: ours (c) with room events against without, steps in turn`);
			await attempt("ours (events)", () =>
				runEventsRound(
					{
						settings,
						round,
						log,
						start: async (name, kind) => oursTarget(await startServer(name, kind, { direct, tempRoot: storage.root })),
					},
					runs.events,
				),
			);
		}
		if (groups.has("mqtt") && servers.includes("ours")) {
			log(`${at}: ours (i) MQTT fan-out against JSON and mosquitto, steps in turn; then MQTT idle`);
			await attempt("ours (i) MQTT", () =>
				runMqttRound(
					{
						settings,
						round,
						log,
						start: async (name, kind) => oursTarget(await startServer(name, kind, { direct, tempRoot: storage.root })),
						startMosquitto: (name) => startMosquitto(name, { tempRoot: storage.root }),
						failed: (label, error, server) => failed(label, error, server?.output),
					},
					runs.mqtt,
				),
			);
		}
		if (groups.has("restart") && servers.includes("ours")) {
			log(`${at}: ours (f) restart`);
			await attempt("ours (f) restart", () =>
				runRestart(settings, round, log, runs.restarts, { tempRoot: storage.root }).then(() => {}),
			);
		}
		const overloading = order.filter((name) => settings.overloadServers.includes(name));
		if (groups.has("overload") && overloading.length) {
			log(`${at}: (j) overload, each load on ${overloading.join(", ")} in turn, each in a fresh process`);
			await attempt("(j) overload", () =>
				runOverloadRound(
					overloading,
					{
						settings,
						round,
						log,
						start: (name) => start(name, true),
						failed: (label, error, server) => failed(label, error, server?.output),
					},
					runs.overload,
				),
			);
		}
	}

	const byServer: Record<string, Medians> = {};
	for (const name of servers) byServer[name] = medians(name, runs, settings);
	const figures = summary(byServer, runs);
	const finishedAt = new Date();
	const markdown = [table(servers, byServer, settings), mqttTables(runs.mqtt, settings)].filter(Boolean).join("\n\n");
	const report = {
		startedAt: startedAt.toISOString(),
		finishedAt: finishedAt.toISOString(),
		seconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
		command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
		machine: { ...machine, loadAverageAtEnd: loadavg() },
		settings,
		workersPath: direct ? "direct to the Worker's workerd" : "through wrangler dev's proxy",
		storage: { choice: storage.choice, description: storage.description },
		servers: Object.fromEntries(
			[...servers, ...Object.keys(COMPANIONS).filter((name) => runs.joinModes.some((r) => r.server === name))].map(
				(name) => [name, (SERVERS[name] ?? COMPANIONS[name])?.about],
			),
		),
		medians: byServer,
		summary: figures,
		failures,
		table: markdown,
		runs,
	};
	mkdirSync(join(REPO_ROOT, "bench", "results"), { recursive: true });
	writeFileSync(join(REPO_ROOT, "bench", "results", "latest.json"), `${JSON.stringify(report, null, "\t")}\n`);

	const note =
		settings.mode === "quick"
			? `Quick mode (indicative only): N=${settings.registerCounts.join("/")}, ${settings.rounds} round(s), idle ${settings.idleSeconds} s with pings every ${settings.pingEverySeconds} s for ${settings.idleServers.join(" and ")} only.`
			: `Full mode: ${settings.rounds} rounds, medians.`;
	const path = direct
		? "Workers servers reached directly on their workerd (not through wrangler dev's proxy)."
		: "Workers servers reached through wrangler dev's proxy.";
	console.log(
		`\n${markdown}\n\n${note} ${path} Rooms' state: ${storage.description}. ${machine.cpus} cores (${machine.cpuModel}), Node ${machine.node}, wrangler ${machine.wrangler}; ${report.seconds.toFixed(0)} s; written to bench/results/latest.json.`,
	);
	if (failures.length) console.log(`\nFailures:\n${failures.map((f) => `- ${f.split("\n")[0]}`).join("\n")}`);
	console.log(`SUMMARY ${JSON.stringify(figures)}`);
	process.exitCode = failures.length ? 1 : 0;
}

await main();
