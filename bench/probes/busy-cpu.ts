/**
 * Server CPU per delivery in a busy room, batched (1.2) or not, against node-ws, over a range of
 * rates: `npx node bench/probes/busy-cpu.ts [--rates 100,250,500] [--receivers 50] [--senders 10]
 * [--rounds 8] [--event SendMessage|Signal] [--variants ours-batched,ours,node-ws] [--profile]`; a variant
 * may name its own event (`ours-batched/Signal`), so that messages and signals take turns in one run.
 *
 * One `ours` process (two rooms: one whose every socket registered `"batch": true`, one not) and
 * one `node-ws` process, each room as the benchmark's busy room (load/batched.ts): `senders` send
 * in turn, every other socket receives. For each rate, `rounds` rounds of one-second phases, one
 * per variant in an order rotated each round, so that the machine's drift falls on all alike.
 * Each phase's CPU is every thread's schedstat run time of the variant's process, to the
 * nanosecond, over the phase and the 300 ms after it. Prints per rate and variant: µs per
 * delivery, the mean batch (events per frame received), each variant over node-ws, the p50 of
 * the deliveries' latencies, and that p50 less the first variant's, phase by phase of the same
 * round (mean and standard error over the rounds): at a quiet rate, what batching adds to a
 * delivery's latency.
 *
 * With `--profile` (needs `perf`), ours' workerd runs with V8's perf map and `perf record` samples
 * it over the phases of ours-batched at the last rate only; its samples are split by where they
 * went (`profile-split.ts`, with the batched room's timer sends told apart) per 1,000 deliveries.
 */
import { type Conn, openMany, type Sink, type Target } from "../load/clients.ts";
import { cpuSecondsBetween, threadTimes } from "../load/proc-times.ts";
import { Samples, summarize } from "../load/stats.ts";
import { type RunningServer, sleep, startServer } from "../servers/launch.ts";
import { benchStorage } from "../servers/storage.ts";
import { printProfiles, type Recording, recordProfile, V8_PERF_FLAGS } from "./profile-record.ts";
import { PARTS, type Part } from "./profile-split.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
	const at = args.indexOf(`--${name}`);
	return at >= 0 ? (args[at + 1] ?? fallback) : fallback;
};
const rates = option("rates", "100,250,500").split(",").map(Number);
const receivers = Number(option("receivers", "50"));
const senders = Number(option("senders", "10"));
const rounds = Number(option("rounds", "8"));
const event = option("event", "SendMessage");
const variants = option("variants", "ours-batched,ours,node-ws").split(",");
const profile = args.includes("--profile");
/** A variant's traffic: its own event after a slash, or `--event`. */
function trafficOf(variant: string): "message" | "signal" {
	const named = variant.split("/")[1] ?? event;
	if (named !== "SendMessage" && named !== "Signal")
		throw new Error(`the event is SendMessage or Signal, not ${named}`);
	return named === "SendMessage" ? "message" : "signal";
}

/** What the receivers of one room got: deliveries, frames, and the events in those frames. */
class Counter implements Sink {
	delivered = 0;
	frames = 0;
	events = 0;
	errors: string[] = [];
	/** The latencies (ms) of the phase under way. */
	latencies = new Samples();
	delivery(_receiver: number, _key: number, sentAt: number): void {
		this.delivered++;
		this.latencies.push(performance.now() - sentAt);
	}
	frame(_receiver: number, events: number): void {
		this.frames++;
		this.events += events;
	}
	error(_receiver: number, text: string): void {
		if (this.errors.length < 5) this.errors.push(text);
	}
}

interface Variant {
	name: string;
	traffic: "message" | "signal";
	server: RunningServer;
	senders: Conn[];
	counter: Counter;
	/** Per rate: CPU µs, deliveries, frames, events and latencies over every phase, and each phase's p50. */
	totals: Map<
		number,
		{ cpuUs: number; delivered: number; frames: number; events: number; latencies: Samples; p50s: number[] }
	>;
}

function targetOf(server: RunningServer): Target {
	return { protocol: "rooms", origin: server.origin, roomUrl: (room) => `${server.wsOrigin}/rooms/${room}/ws` };
}

async function openVariant(
	name: string,
	server: RunningServer,
	batch: boolean,
	traffic: Variant["traffic"],
): Promise<Variant> {
	const counter = new Counter();
	const conns = await openMany(
		targetOf(server),
		`busy-cpu-${name.replace("/", "-")}-${Date.now()}`,
		{ firstIndex: 0, count: receivers + senders, concurrency: 20, heartbeatMs: 10_000, batch },
		counter,
	);
	return { name, traffic, server, senders: conns.slice(receivers), counter, totals: new Map() };
}

/** One second of `rate` messages a second from the variant's senders, and 300 ms for the last deliveries. */
async function phase(variant: Variant, rate: number): Promise<void> {
	const { counter, senders: from } = variant;
	const pids = variant.server.workPids();
	const before = threadTimes(pids);
	const start0 = { delivered: counter.delivered, frames: counter.frames, events: counter.events };
	counter.latencies = new Samples();
	const start = performance.now();
	let sent = 0;
	while (performance.now() - start < 1000) {
		const due = Math.floor(((performance.now() - start) / 1000) * rate) + 1;
		for (; sent < due; sent++) (from[sent % from.length] as Conn).send(variant.traffic, sent, performance.now());
		await sleep(2);
	}
	await sleep(300);
	const cpuUs = cpuSecondsBetween(before, threadTimes(pids)) * 1e6;
	const total = variant.totals.get(rate) ?? {
		cpuUs: 0,
		delivered: 0,
		frames: 0,
		events: 0,
		latencies: new Samples(),
		p50s: [],
	};
	total.latencies.add(counter.latencies);
	total.p50s.push(summarize(counter.latencies).p50);
	total.cpuUs += cpuUs;
	total.delivered += counter.delivered - start0.delivered;
	total.frames += counter.frames - start0.frames;
	total.events += counter.events - start0.events;
	variant.totals.set(rate, total);
}

/** The profile's parts, with the sends of the batched room's timer (its flushes) apart from the rest. */
const BATCHED_PARTS: readonly Part[] = [
	{
		name: "timer sends",
		about: "`send()` called outside a frame's handler: the flushes of held batches, by the room's timer",
		holds: (frames) =>
			!frames.some((f) => /^JS:.*webSocketMessage/.test(f)) &&
			frames.some((f) => /LegacyWebSocketAdapter::send\b/.test(f)),
	},
	{
		name: "timer JS",
		about: "the timer's own JavaScript (the batcher's flush, joining frames), what it calls but sends",
		holds: (frames) =>
			!frames.some((f) => /^JS:.*webSocketMessage/.test(f)) &&
			frames.some((f) => /^JS:.*(flushDue|#sendWaiting)/.test(f)),
	},
	{
		name: "handler SQLite",
		about: "SQLite called from the frame's handler (the message's row, its commit)",
		holds: (frames) =>
			frames.some((f) => /^JS:.*webSocketMessage/.test(f)) && frames.some((f) => /sqlite3|SqliteDatabase/i.test(f)),
	},
	...PARTS,
];

const storage = benchStorage("memory");
console.log(
	`storage: ${storage.description}; ${event}, ${receivers} receivers and ${senders} senders a room, rates ${rates.join(", ")}/s, ${rounds} rounds; variants ${variants.join(", ")}`,
);
const ours = variants.some((v) => v.startsWith("ours"))
	? await startServer(
			"ours",
			{ type: "wrangler", config: "bench/servers/ours/wrangler.toml" },
			{ tempRoot: storage.root, v8Flags: profile ? [V8_PERF_FLAGS] : undefined },
		)
	: undefined;
const nodeWs = variants.some((v) => v.startsWith("node-ws"))
	? await startServer("node-ws", { type: "node", script: "bench/servers/node-ws/server.ts" })
	: undefined;
try {
	const open: Variant[] = [];
	for (const name of variants) {
		const kind = name.split("/")[0];
		const traffic = trafficOf(name);
		if (kind === "ours-batched") open.push(await openVariant(name, ours as RunningServer, true, traffic));
		else if (kind === "ours") open.push(await openVariant(name, ours as RunningServer, false, traffic));
		else if (kind === "node-ws") open.push(await openVariant(name, nodeWs as RunningServer, false, traffic));
		else throw new Error(`unknown variant ${name}`);
	}
	// Every room warm (the first phases pay one-off costs), then the measured rounds.
	for (const variant of open) for (let i = 0; i < 2; i++) await phase(variant, rates[0] as number);
	for (const variant of open) variant.totals.clear();
	let recording: Recording | undefined;
	const profiled = open.find((v) => v.name.startsWith("ours-batched"));
	for (const [r, rate] of rates.entries()) {
		const last = r === rates.length - 1;
		for (let round = 0; round < rounds; round++) {
			for (let i = 0; i < open.length; i++) {
				const variant = open[(i + round) % open.length] as Variant;
				if (profile && last && variant === profiled)
					recording ??= recordProfile("ours-batched", ours?.workPids() ?? []);
				await phase(variant, rate);
			}
		}
	}
	console.log(
		"\n| rate msg/s | deliveries a phase | variant | µs per delivery | events per frame | over node-ws | p50 ms | p50 less the first's, ms |\n|---:|---:|---|---:|---:|---:|---:|---:|",
	);
	for (const rate of rates) {
		const node = open.find((v) => v.name.startsWith("node-ws"))?.totals.get(rate);
		const nodeUs = node ? node.cpuUs / node.delivered : Number.NaN;
		const firstP50s = open[0]?.totals.get(rate)?.p50s ?? [];
		for (const variant of open) {
			const t = variant.totals.get(rate);
			if (!t) continue;
			const us = t.cpuUs / t.delivered;
			const deltas = t.p50s.map((p50, i) => p50 - (firstP50s[i] as number)).filter(Number.isFinite);
			const mean = deltas.reduce((sum, d) => sum + d, 0) / deltas.length;
			const se = Math.sqrt(deltas.reduce((sum, d) => sum + (d - mean) ** 2, 0) / (deltas.length - 1) / deltas.length);
			console.log(
				`| ${rate} | ${Math.round(t.delivered / rounds)} | ${variant.name} | ${us.toFixed(2)} | ${(t.events / t.frames).toFixed(2)} | ${(us / nodeUs).toFixed(2)} | ${summarize(t.latencies).p50.toFixed(2)} | ${mean.toFixed(2)} ± ${se.toFixed(2)} |`,
			);
		}
	}
	for (const variant of open) {
		if (variant.counter.errors.length) console.log(`${variant.name} errors: ${variant.counter.errors.join("; ")}`);
	}
	if (recording && profiled) {
		const last = profiled.totals.get(rates[rates.length - 1] as number);
		await printProfiles([recording], [last?.delivered ?? 1], BATCHED_PARTS);
	}
} finally {
	await Promise.all([ours?.stop(), nodeWs?.stop()]);
}
process.exit(0);
