/**
 * What a join costs the server, whatever else the machine runs: `countJoinVsFloor` in CPU.
 * `npx node bench/probes/join-cpu.ts [N] [ROUNDS]` (defaults 5,000 and 5).
 *
 * Starts ours, the floor server and bare (each reached on its Worker's own workerd), and in every
 * round joins N sockets, 50 handshakes in flight as in (a), to each in turn: ours in `count` mode,
 * the floor in a `row-*` room (the round trip and one SQLite row in the `Register`'s turn), bare
 * (its connect). Each join is timed on the wall clock and in the workerd's CPU (every thread's
 * schedstat, to the nanosecond), with its busiest thread's run-queue wait (time lost to the
 * machine's other load). Prints each join, then the medians over rounds of ours over the floor
 * and over bare, wall and CPU. The wall-clock ratio is the benchmark's; on a machine shared with
 * other work the CPU ratio is the steadier one.
 */
import { performance } from "node:perf_hooks";
import { type Conn, closeAll, openMany, type Sink, type Target } from "../load/clients.ts";
import { busiestThreadWait, cpuSecondsBetween, threadTimes } from "../load/proc-times.ts";
import { median } from "../load/stats.ts";
import { type RunningServer, sleep, startServer } from "../servers/launch.ts";

const n = Number(process.argv[2] ?? 5000);
const rounds = Number(process.argv[3] ?? 5);
const CONCURRENCY = 50;

interface Step {
	server: "ours" | "floor" | "bare";
	prefix: string;
	protocol: Target["protocol"];
	presence?: "count";
}

const STEPS: Step[] = [
	{ server: "ours", prefix: "count", protocol: "rooms", presence: "count" },
	{ server: "floor", prefix: "row", protocol: "rooms" },
	{ server: "bare", prefix: "bare", protocol: "bare" },
];

const sink: Sink = { delivery() {}, error: (_i, text) => console.error(text) };

interface Join {
	wallMs: number;
	cpuMs: number;
	waitMs: number;
}

async function join(server: RunningServer, step: Step, room: string): Promise<Join> {
	const target: Target = {
		protocol: step.protocol,
		origin: server.origin,
		roomUrl: (name) => `${server.wsOrigin}/rooms/${name}/ws`,
	};
	const before = threadTimes(server.workPids());
	const start = performance.now();
	const conns: Conn[] = await openMany(
		target,
		room,
		{ firstIndex: 0, count: n, concurrency: CONCURRENCY, presence: step.presence },
		sink,
	);
	const wallMs = performance.now() - start;
	const after = threadTimes(server.workPids());
	await closeAll(conns);
	return { wallMs, cpuMs: cpuSecondsBetween(before, after) * 1000, waitMs: busiestThreadWait(before, after) * 1000 };
}

const servers = {} as Record<Step["server"], RunningServer>;
try {
	for (const name of ["ours", "floor", "bare"] as const) {
		servers[name] = await startServer(name, { type: "wrangler", config: `bench/servers/${name}/wrangler.toml` });
	}
	const joins: Join[][] = STEPS.map(() => []);
	for (let round = 0; round < rounds; round++) {
		const line: string[] = [];
		// the order turns by one each round, so that no server always follows the same one
		for (let k = 0; k < STEPS.length; k++) {
			const i = (k + round) % STEPS.length;
			const step = STEPS[i] as Step;
			const result = await join(servers[step.server], step, `${step.prefix}-cpu-${round}-${n}`);
			joins[i]?.push(result);
			line.push(
				`${step.server} ${result.wallMs.toFixed(0)} ms (CPU ${result.cpuMs.toFixed(0)} ms, waited ${result.waitMs.toFixed(0)} ms)`,
			);
			await sleep(1000);
		}
		console.log(`round ${round + 1}/${rounds}, ${n} joins each: ${line.join("; ")}`);
	}
	const [ours, floor, bare] = joins as [Join[], Join[], Join[]];
	const over = (a: Join[], b: Join[], get: (j: Join) => number) =>
		median(a.map((x, round) => get(x) / get(b[round] as Join)))?.toFixed(2);
	console.log(`\n| ${n} joins | wall ms | workerd CPU ms | µs CPU per join |\n| --- | ---: | ---: | ---: |`);
	for (const [i, step] of STEPS.entries()) {
		const own = joins[i] ?? [];
		const cpu = median(own.map((j) => j.cpuMs)) ?? Number.NaN;
		console.log(
			`| ${step.server} | ${median(own.map((j) => j.wallMs))?.toFixed(0)} | ${cpu.toFixed(0)} | ${((cpu * 1000) / n).toFixed(0)} |`,
		);
	}
	console.log(
		`\nours over the floor (median of rounds): wall ${over(ours, floor, (j) => j.wallMs)}, CPU ${over(ours, floor, (j) => j.cpuMs)}`,
	);
	console.log(
		`ours over bare (median of rounds): wall ${over(ours, bare, (j) => j.wallMs)}, CPU ${over(ours, bare, (j) => j.cpuMs)}`,
	);
	console.log(
		`the floor over bare (median of rounds): wall ${over(floor, bare, (j) => j.wallMs)}, CPU ${over(floor, bare, (j) => j.cpuMs)}`,
	);
} finally {
	await Promise.all(Object.values(servers).map((server) => server.stop()));
}
