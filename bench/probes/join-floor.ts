/**
 * How close is ours' join to the least this runtime allows for the protocol?
 * `npx node bench/probes/join-floor.ts [N] [ROUNDS]` (defaults 2,000 and 3).
 *
 * Starts the floor server (bench/servers/floor) and ours under `wrangler dev`, each reached on the
 * Worker's own workerd, and in every round connects N sockets, 50 handshakes in flight as in (a),
 * to each of, in turns:
 *
 * - `plain`: bare's join (the upgrade only), the denominator of `countJoinVsBare`;
 * - `trip`: plus the `ConnectionEstablished` / `Register` / `Registered` round trip;
 * - `row`: plus one SQLite row written in the `Register`'s turn (the durable roster);
 * - ours in `count` mode, then in `batched` mode.
 *
 * Prints each round's times and, for each, the median over rounds of its time over `plain`'s
 * in the same round: the floor that `countJoinVsBare` is measured against.
 */
import { performance } from "node:perf_hooks";
import { type Conn, closeAll, openMany, type Sink, type Target } from "../load/clients.ts";
import { median } from "../load/stats.ts";
import { type RunningServer, sleep, startServer } from "../servers/launch.ts";

const n = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 3);
const CONCURRENCY = 50;

interface Step {
	label: string;
	server: "floor" | "ours";
	/** The room name's prefix, which chooses the floor server's behaviour. */
	prefix: string;
	protocol: Target["protocol"];
	presence?: "count" | "batched";
}

const STEPS: Step[] = [
	{ label: "plain (bare's join)", server: "floor", prefix: "plain", protocol: "bare" },
	{ label: "+ Register round trip", server: "floor", prefix: "trip", protocol: "rooms" },
	{ label: "+ one SQLite row", server: "floor", prefix: "row", protocol: "rooms" },
	{ label: "ours, count", server: "ours", prefix: "count", protocol: "rooms", presence: "count" },
	{ label: "ours, batched", server: "ours", prefix: "batched", protocol: "rooms", presence: "batched" },
];

const sink: Sink = { delivery() {}, error: (_i, text) => console.error(text) };

async function timedJoin(server: RunningServer, step: Step, room: string): Promise<number> {
	const target: Target = {
		protocol: step.protocol,
		origin: server.origin,
		roomUrl: (name) => `${server.wsOrigin}/rooms/${name}/ws`,
	};
	const start = performance.now();
	const conns: Conn[] = await openMany(
		target,
		room,
		{ firstIndex: 0, count: n, concurrency: CONCURRENCY, presence: step.presence },
		sink,
	);
	const ms = performance.now() - start;
	await closeAll(conns);
	return ms;
}

const servers: Record<Step["server"], RunningServer> = {
	floor: await startServer("floor", { type: "wrangler", config: "bench/servers/floor/wrangler.toml" }),
	ours: await startServer("ours", { type: "wrangler", config: "bench/servers/ours/wrangler.toml" }),
};
try {
	const times: number[][] = STEPS.map(() => []);
	for (let round = 0; round < rounds; round++) {
		const line: string[] = [];
		for (const [i, step] of STEPS.entries()) {
			const ms = await timedJoin(servers[step.server], step, `${step.prefix}-${round}-${n}`);
			times[i]?.push(ms);
			line.push(`${step.prefix} ${ms.toFixed(0)} ms`);
			await sleep(500);
		}
		console.log(`round ${round + 1}/${rounds}, ${n} joins each: ${line.join(", ")}`);
	}
	const plain = times[0] ?? [];
	console.log(`\n| ${n} joins | median ms | over plain (median of rounds) |\n| --- | ---: | ---: |`);
	for (const [i, step] of STEPS.entries()) {
		const own = times[i] ?? [];
		const ratios = own.map((ms, round) => ms / (plain[round] ?? Number.NaN));
		console.log(`| ${step.label} | ${median(own)?.toFixed(0)} | ${median(ratios)?.toFixed(2)} |`);
	}
} finally {
	await Promise.all(Object.values(servers).map((server) => server.stop()));
}
