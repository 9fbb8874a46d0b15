/**
 * Which signal inside the Room tells that it is falling behind its input (issue 24, (j)).
 * `npx node bench/probes/overload-signal.ts [--guard=MS] [MEMBERS] [SECONDS] [RATE …]`
 * Starts the Room subclassed in probes/workerd/overload-lag (the budget raised out of the way;
 * with --guard, signals refused while its timer is more than MS overdue),
 * registers MEMBERS (default 100) sockets and a sender, then for each RATE (signals a second per
 * member; default 0 1 2 3 4 6 8 12 19) floods the room for SECONDS (default 5) while the sender
 * sends a marker message every 100 ms, then waits for the last markers (at most 15 s) and 2 s of
 * quiet. Per level: the markers' true latency to every member (a delivery not there when the
 * wait ends counts at what it had waited), their input delay as the object saw them and how
 * overdue its timer was then, the lag of the ticks that ran, the largest overdue, the share of the
 * flood refused; when the overdue first passed 50 ms and the latency 250 ms; the overdue while
 * idle. Raw data in /tmp. wrangler dev reloads the Worker when a file of src/ changes, which
 * ends the run: while src/ is being edited, run it from a copy (`git archive HEAD | tar -x`).
 */
import { writeFileSync } from "node:fs";
import type WebSocket from "ws";
import { dueFrames, floodFrame, isFloodDelivery } from "../load/flood.ts";
import { busiestThreadWait, threadTimes } from "../load/proc-times.ts";
import { percentile } from "../load/stats.ts";
import { sleep, startServer } from "../servers/launch.ts";
import { joined } from "./joined.ts";

const guard = process.argv.find((arg) => arg.startsWith("--guard="))?.slice(8);
const args = process.argv.slice(2).filter((arg) => !arg.startsWith("--"));
const members = Number(args[0] ?? 100);
const seconds = Number(args[1] ?? 5);
const rates = args.length > 2 ? args.slice(2).map(Number) : [0, 1, 2, 3, 4, 6, 8, 12, 19];
const MARKER_EVERY_MS = 100;
const DRAIN_MS = 15_000;
const QUIET_MS = 2000;
const MESSAGE = Buffer.from('{"eventType":"ServerEvent","event":"Message"');
const ERROR = Buffer.from('{"eventType":"ServerEvent","event":"Error"');

/** [at, lag, events, handler ms, largest bufferedAmount, total, largest overdue, refused] every 20 ms. */
type Tick = [number, number, number, number, number, number, number, number];
/** Per marker key: when sent (Date.now()), and when each member received it. */
const sentAt = new Map<number, number>();
const received = new Map<number, number[]>();
let floodReceived = 0;
let refused = 0;

const startsWith = (data: Buffer, prefix: Buffer) =>
	data.length >= prefix.length && data.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;

function listen(ws: WebSocket): void {
	ws.on("message", (data: Buffer) => {
		if (isFloodDelivery(data)) {
			floodReceived++;
			return;
		}
		if (startsWith(data, ERROR)) refused++;
		if (!startsWith(data, MESSAGE)) return;
		const key = /"k":(\d+)/.exec(data.toString("latin1"))?.[1];
		if (key !== undefined) received.get(Number(key))?.push(Date.now());
	});
}

const pct = (values: number[], p: number) => percentile(Float64Array.from(values).sort(), p);
const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(0) : "-");

const server = await startServer("overload-lag", {
	type: "wrangler",
	config: "bench/probes/workerd/overload-lag/wrangler.toml",
});
const room = `probe-${guard === undefined ? "" : `g${guard}-`}${Date.now()}`;
const url = `${server.wsOrigin}/rooms/${room}/ws`;
const sockets: WebSocket[] = [];
try {
	for (let i = 0; i < members; i++) sockets.push(await joined(url, `m${i}`));
	for (const ws of sockets) listen(ws);
	const sender = await joined(url, "sender");
	const keepAlive = setInterval(() => {
		for (const ws of [...sockets, sender]) ws.send("ping");
	}, 15_000);
	await sleep(2000);
	let key = 0;
	const levels: {
		rate: number;
		start: number;
		end: number;
		keys: [number, number];
		giveUp: number;
		flood: number;
		refused: number;
	}[] = [];
	for (const rate of rates) {
		const perSecond = rate * members;
		const schedule = { perSecond, total: perSecond * seconds, maxLateMs: 500 };
		const firstKey = key;
		let next = 0;
		const wait0 = threadTimes(server.workPids());
		const start = Date.now();
		floodReceived = 0;
		refused = 0;
		while (Date.now() - start < seconds * 1000) {
			const elapsed = Date.now() - start;
			const due = dueFrames(elapsed, next, schedule);
			next += due.skip;
			for (let i = 0; i < due.send; i++, next++) sockets[next % members]?.send(floodFrame("signal", next));
			if (elapsed >= (key - firstKey) * MARKER_EVERY_MS) {
				sentAt.set(key, Date.now());
				received.set(key, []);
				sender.send(
					`{"eventType":"ClientEvent","event":"SendMessage","requestData":{"message":{"k":${key},"t":${Date.now()}}}}`,
				);
				key++;
			}
			await sleep(2);
		}
		const end = Date.now();
		const flood = floodReceived / ((end - start) / 1000);
		const deadline = Date.now() + DRAIN_MS;
		const complete = () => [...received.values()].every((got) => got.length === members);
		while (!complete() && Date.now() < deadline) await sleep(20);
		const giveUp = Date.now();
		const waited = busiestThreadWait(wait0, threadTimes(server.workPids()));
		levels.push({ rate, start, end, keys: [firstKey, key], giveUp, flood, refused: next ? refused / next : 0 });
		console.log(
			`rate ${rate}/s: ${next} signals (${refused} refused), ${flood.toFixed(0)} flood deliveries/s received, drained in ${giveUp - end} ms, workerd waited ${waited.toFixed(1)} s for a CPU`,
		);
		await sleep(QUIET_MS);
	}
	clearInterval(keepAlive);
	const stats = (await (await fetch(`${server.origin}/probe/${room}/stats`)).json()) as {
		ticks: Tick[];
		markers: [number, number, number, number][];
		crossings: number[];
	};
	await fetch(`${server.origin}/probe/${room}/stop`);
	const file = `/tmp/overload-signal-${Date.now()}.json`;
	writeFileSync(
		file,
		JSON.stringify({ members, seconds, levels, sentAt: [...sentAt], received: [...received], stats }),
	);

	console.log(
		"\n| signals/s per member | deliveries/s asked | received | refused | true latency p50 / p99 / max ms | input delay p50 / p99 | overdue at marker p50 / p99 | tick lag p50 / p99 | overdue max | handler busy | overdue > 50 ms at | latency > 250 ms at |",
	);
	console.log("| ---: | ---: | ---: | ---: | --- | --- | --- | --- | ---: | ---: | ---: | ---: |");
	const idle: number[] = [];
	let buffered = 0;
	for (const level of levels) {
		const latencies: number[] = [];
		let firstLate = Number.NaN;
		for (let k = level.keys[0]; k < level.keys[1]; k++) {
			const sent = sentAt.get(k) as number;
			const got = received.get(k) ?? [];
			const each = got.map((at) => at - sent);
			for (let i = got.length; i < members; i++) each.push(level.giveUp - sent);
			latencies.push(...each);
			if (Number.isNaN(firstLate) && Math.max(...each) > 250) firstLate = sent - level.start;
		}
		const seen = stats.markers.filter(([, , k]) => k >= level.keys[0] && k < level.keys[1]);
		const input = seen.map(([at, t]) => at - t);
		const overdue = seen.map((m) => m[3]);
		const ticks = stats.ticks.filter(([at]) => at >= level.start && at < level.end + 1000);
		const lags = ticks.map((t) => t[1]);
		const busy = ticks.reduce((sum, t) => sum + t[3], 0) / (level.end - level.start + 1000);
		buffered = Math.max(buffered, ...ticks.map((t) => t[4]));
		const crossing = stats.crossings.find((at) => at >= level.start && at < level.end);
		// a tick whose window began in the idle time (the one after a stall reports the stall's overdue)
		const quiet = (at: number) => at >= level.giveUp + 500 && at < level.giveUp + QUIET_MS;
		idle.push(...stats.ticks.filter(([at], i) => quiet(at) && quiet(stats.ticks[i - 1]?.[0] ?? 0)).map((t) => t[6]));
		const cells = [
			level.rate,
			level.rate * members * members,
			level.flood.toFixed(0),
			`${(level.refused * 100).toFixed(0)} %`,
			`${ms(pct(latencies, 50))} / ${ms(pct(latencies, 99))} / ${ms(Math.max(...latencies))}`,
			`${ms(pct(input, 50))} / ${ms(pct(input, 99))}`,
			`${ms(pct(overdue, 50))} / ${ms(pct(overdue, 99))}`,
			`${ms(pct(lags, 50))} / ${ms(pct(lags, 99))}`,
			ms(Math.max(...ticks.map((t) => t[6]))),
			`${(busy * 100).toFixed(0)} %`,
			crossing === undefined ? "never" : `${crossing - level.start} ms`,
			Number.isNaN(firstLate) ? "never" : `${firstLate} ms`,
		];
		console.log(`| ${cells.join(" | ")} |`);
	}
	console.log(
		`\nidle (0.5–2 s after each drain), largest overdue per 20 ms tick: p50 ${ms(pct(idle, 50))}, p99 ${ms(pct(idle, 99))}, max ${ms(Math.max(...idle))} ms over ${idle.length} ticks; largest bufferedAmount seen: ${buffered} bytes`,
	);
	console.log(`raw data: ${file}`);
	for (const ws of [...sockets, sender]) ws.terminate();
} finally {
	await server.stop();
}
