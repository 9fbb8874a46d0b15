/**
 * How many inbound frames a second one room (one Durable Object) can refuse on this machine.
 * `npx node bench/probes/refusal-rate.ts [--delivery-rate=100] [--seconds=6] [--senders=K]
 * [--rate-limit=L] [N:R[:KIND] …]`,
 * default levels 200:5 200:19 500:10 500:19 1000:5 1000:10 1000:19, then 1000:19 of each other KIND.
 *
 * Starts the project's Worker and Room (bench/servers/ours, defaults.toml: RATE_LIMIT 20) under
 * `wrangler dev` with ROOM_DELIVERY_RATE pinned low, and connects straight to the Worker's workerd
 * as the benchmark does. For each N, N members register in a new room (presence `count`; a
 * Register the room refuses RATE_LIMITED goes again after 0.5–1 s). Then, per level, each member
 * sends R frames a second (frame n to member n mod N, spread evenly) for SECONDS, each tagged with
 * requestId n, and every refusal that comes back is timed against its frame's send. KIND:
 * `signal` (a cursor Signal: its broadcast costs N-1 deliveries, more than the whole budget, so
 * the room refuses it RATE_LIMITED), `invalid` (a Signal with an extra field: valibot runs over it
 * and fails, BAD_REQUEST), `envelope` (eventType wrong: BAD_REQUEST before any event schema),
 * `ping` (answered `pong` by the runtime itself, the object never woken: the floor). With
 * --senders=K only K members send, N×R/K a second each (past 20 give --rate-limit). In a room of
 * one, a Signal costs no delivery and is admitted, unanswered: its cost is then per frame sent.
 * ROOM_DELIVERY_RATE=1 would let the room admit one first Register a second (each costs 1), 1,000 s
 * for 1,000 members; at 100 joins take 10 s and a Signal (N-1 ≥ 199 > 100) still goes out only from
 * a full bucket, once every (N-1)/100 s: counted as `admitted`.
 * Reported per level: replies a second while the flood ran (from its second 1 on) and over the
 * whole run (first send to last reply), the reply lag (p50, p99, and p50 of the frames sent in
 * the first and in the last second: growth means the room is behind), the workerd's CPU (all
 * threads, and its busiest thread with its run-queue wait) over that run, this process's CPU, and
 * the workerd's resident memory after it.
 */
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { rssOf } from "../../scripts/local-server/process-group.ts";
import { startWranglerDev } from "../../scripts/local-server/wrangler-dev.ts";
import { dueFrames } from "../load/flood.ts";
import { type ThreadTimes, threadTimes } from "../load/proc-times.ts";
import { percentile } from "../load/stats.ts";
import { sleep, workerEntry } from "../servers/launch.ts";
import { benchStorage } from "../servers/storage.ts";

const option = (name: string, fallback: number) =>
	Number(process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const deliveryRate = option("delivery-rate", 100);
const seconds = option("seconds", 6);
/** Only members 0 … senders-1 send (frame n to member n mod senders): fewer sockets at a higher rate each. */
const senders = option("senders", 0);
const rateLimit = option("rate-limit", 0);
const specs = process.argv.slice(2).filter((arg) => !arg.startsWith("--"));
const DEFAULT_LEVELS =
	"200:5 200:19 500:10 500:19 1000:5 1000:10 1000:19 1000:19:invalid 1000:19:envelope 1000:19:ping";
const levels = (specs.length ? specs : DEFAULT_LEVELS.split(" ")).map((spec) => {
	const [n, r, kind = "signal"] = spec.split(":");
	if (!["signal", "invalid", "envelope", "ping"].includes(kind)) throw new Error(`unknown kind ${kind}`);
	return { members: Number(n), rate: Number(r), kind };
});
const DRAIN_MS = 60_000;
const QUIET_MS = 2000;
const ERROR = Buffer.from('{"eventType":"ServerEvent","event":"Error"');
const SIGNAL = Buffer.from('{"eventType":"ServerEvent","event":"Signal"');
const startsWith = (data: Buffer, p: Buffer) =>
	data.length >= p.length && data.compare(p, 0, p.length, 0, p.length) === 0;

function frame(kind: string, n: number): string {
	if (kind === "ping") return "ping";
	const signal = `"signal":{"cursor":{"x":${n % 1920},"y":${Math.floor(n / 1920) % 1080}}}`;
	if (kind === "invalid")
		return `{"eventType":"ClientEvent","event":"Signal","requestId":"${n}","requestData":{${signal},"x":1}}`;
	const type = kind === "envelope" ? "Client" : "ClientEvent";
	return `{"eventType":"${type}","event":"Signal","requestId":"${n}","requestData":{${signal}}}`;
}

/** One level's account, filled by the members' message handlers. */
let sentAt = new Float64Array(0);
let lagAt = new Float64Array(0);
const counts = new Map<string, number>();
let replies = 0;
let lastReplyAt = 0;
/** `pong`s per member: a member's k-th answers its k-th ping, frame member + k × members (no skips). */
let pongs = new Uint32Array(0);

function onFrame(data: Buffer, member: number): void {
	if (data.length === 4 && data.toString() === "pong") {
		counts.set("pong", (counts.get("pong") ?? 0) + 1);
		const k = pongs[member] ?? 0;
		pongs[member] = k + 1;
		answered(member + k * pongs.length);
		return;
	}
	if (startsWith(data, SIGNAL)) {
		counts.set("admitted", (counts.get("admitted") ?? 0) + 1);
		return;
	}
	if (!startsWith(data, ERROR)) return;
	const text = data.toString("latin1");
	const id = /"requestId":"(\d+)"/.exec(text)?.[1];
	answered(id === undefined ? Number.NaN : Number(id));
	const code = /"code":"(\w+)"/.exec(text)?.[1] ?? "?";
	const why =
		code !== "RATE_LIMITED"
			? code
			: text.includes("events per second")
				? "own limit"
				: text.includes("behind")
					? "behind"
					: "budget";
	counts.set(why, (counts.get(why) ?? 0) + 1);
}

/** The reply to frame n arrived. */
function answered(n: number): void {
	if (!(n < sentAt.length)) return;
	lastReplyAt = performance.now();
	lagAt[n] = lastReplyAt - (sentAt[n] as number);
	replies++;
}

/** Opens and registers one member (presence `count`); a RATE_LIMITED Register goes again after 0.5–1 s. */
function join(url: string, member: number): Promise<WebSocket> {
	const userId = `m${member}`;
	const ws = new WebSocket(url, { perMessageDeflate: false });
	const register = `{"eventType":"ClientEvent","event":"Register","requestId":"r","requestData":{"userId":"${userId}","presence":"count"}}`;
	return new Promise((done, fail) => {
		let retries = 0;
		const timer = setTimeout(() => fail(new Error(`${userId}: not registered in 120 s`)), 120_000);
		ws.once("error", fail);
		ws.once("open", () => ws.send(register));
		ws.on("message", function first(data: Buffer) {
			const text = data.toString();
			if (text.includes('"event":"Registered"')) {
				clearTimeout(timer);
				ws.off("message", first);
				ws.on("message", (frame: Buffer) => onFrame(frame, member));
				ws.on("error", () => counts.set("socket error", (counts.get("socket error") ?? 0) + 1));
				done(ws);
			} else if (text.includes('"code":"RATE_LIMITED"') && retries++ < 100) {
				setTimeout(() => ws.send(register), 500 + Math.random() * 500);
			}
		});
	});
}

function busiest(before: ThreadTimes, after: ThreadTimes): { run: number; wait: number } {
	let best = { run: 0, wait: 0 };
	for (const [tid, end] of after) {
		const start = before.get(tid) ?? { runNs: 0, waitNs: 0 };
		const run = (end.runNs - start.runNs) / 1e9;
		if (run > best.run) best = { run, wait: (end.waitNs - start.waitNs) / 1e9 };
	}
	return best;
}
const totalRun = (before: ThreadTimes, after: ThreadTimes) =>
	[...after].reduce((sum, [tid, end]) => sum + end.runNs - (before.get(tid)?.runNs ?? 0), 0) / 1e9;
const pct = (values: Float64Array, p: number) => (values.length ? percentile(values.slice().sort(), p) : Number.NaN);
const f = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : "-");

const storage = benchStorage("memory");
const dev = await startWranglerDev({
	name: "refusal-rate",
	config: "bench/servers/ours/defaults.toml",
	vars: { ROOM_DELIVERY_RATE: String(deliveryRate), ...(rateLimit ? { RATE_LIMIT: String(rateLimit) } : {}) },
	tempRoot: storage.root,
	readyTimeoutMs: 90_000,
});
const rows: string[] = [];
let sockets: WebSocket[] = [];
try {
	const entry = await workerEntry(
		dev.workerd().map((member) => member.pid),
		dev.port,
	);
	if (!entry) throw new Error("could not find the Worker's own workerd");
	console.log(
		`workerd pid ${entry.pid}, port ${entry.port}; ROOM_DELIVERY_RATE ${deliveryRate}, RATE_LIMIT ${rateLimit || "default"}, senders ${senders || "all"}; ${storage.description}`,
	);
	let roomMembers = 0;
	for (const { members, rate, kind } of levels) {
		if (members !== roomMembers) {
			for (const ws of sockets) ws.terminate();
			await sleep(sockets.length ? QUIET_MS : 0);
			const url = `ws://127.0.0.1:${entry.port}/rooms/refusal-${members}-${Date.now()}/ws`;
			const joinStart = performance.now();
			sockets = [];
			for (let i = 0; i < members; i += 50) {
				const batch = Array.from({ length: Math.min(50, members - i) }, (_, j) => join(url, i + j));
				sockets.push(...(await Promise.all(batch)));
			}
			roomMembers = members;
			console.log(`${members} registered in ${f((performance.now() - joinStart) / 1000, 1)} s`);
			await sleep(QUIET_MS);
		}
		const perSecond = members * rate;
		const schedule = { perSecond, total: Math.round(perSecond * seconds), maxLateMs: 500 };
		sentAt = new Float64Array(schedule.total).fill(Number.NaN);
		lagAt = new Float64Array(schedule.total).fill(Number.NaN);
		counts.clear();
		const stride = Math.min(senders || members, members);
		pongs = new Uint32Array(stride);
		replies = 0;
		let next = 0;
		let skipped = 0;
		const cpu0 = process.cpuUsage();
		const before = threadTimes([entry.pid]);
		const start = performance.now();
		let inFlood = 0;
		while (next < schedule.total && performance.now() - start < seconds * 1000 + 1000) {
			const due = dueFrames(performance.now() - start, next, schedule);
			next += due.skip;
			skipped += due.skip;
			for (let i = 0; i < due.send; i++, next++) {
				sentAt[next] = performance.now();
				sockets[next % stride]?.send(frame(kind, next));
			}
			if (performance.now() - start < 1000) inFlood = replies;
			await sleep(2);
		}
		const floodEnd = performance.now();
		const inFloodRate = (replies - inFlood) / ((floodEnd - start) / 1000 - 1);
		const sent = next - skipped;
		const deadline = performance.now() + DRAIN_MS;
		// Admitted signals get no reply: the run ends at the last reply once none came for 1 s.
		const quiet = () => performance.now() - Math.max(lastReplyAt, floodEnd) > 1000;
		while (replies < sent && performance.now() < deadline && !quiet()) await sleep(20);
		const after = threadTimes([entry.pid]);
		const wall = (Math.max(lastReplyAt, floodEnd) - start) / 1000;
		const server = totalRun(before, after);
		const thread = busiest(before, after);
		const client = process.cpuUsage(cpu0);
		const sentIn = (from: number, to: number) =>
			lagAt.filter((lag, n) => {
				const at = (sentAt[n] as number) - start;
				return !Number.isNaN(lag) && at >= from && at < to;
			});
		const lags = lagAt.filter((lag) => !Number.isNaN(lag));
		const why = [...counts].map(([k, v]) => `${k} ${v}`).join(", ");
		const cells = [
			members,
			rate,
			kind,
			`${perSecond} (${sent} sent, ${skipped} skipped)`,
			f(inFloodRate),
			f(replies / wall),
			`${f(pct(lags, 50))} / ${f(pct(lags, 99))}`,
			`${f(pct(sentIn(0, 1000), 50))} → ${f(pct(sentIn(seconds * 1000 - 1000, seconds * 1000), 50))}`,
			`${f(server / wall, 2)} (${f(thread.run / wall, 2)}, wait ${f(thread.wait / wall, 2)})`,
			// per frame answered; when none is (a Signal admitted in a room of one), per frame sent
			f((server * 1e6) / (replies || sent)),
			f((thread.run * 1e6) / (replies || sent)),
			f((client.user + client.system) / 1e6 / wall, 2),
			`${sent - replies} / ${why}; RSS ${f(rssOf(entry.pid) / 2 ** 20)} MiB`,
		];
		rows.push(`| ${cells.join(" | ")} |`);
		console.log(rows.at(-1));
		await sleep(QUIET_MS);
	}
	console.log(
		"\n| N | R | kind | offered frames/s | refused/s in flood | refused/s to last reply | lag p50 / p99 ms | lag p50 first → last second | workerd cores (busiest thread, its wait) | µs/frame (all) | µs/frame (thread) | client cores | unanswered / replies |",
	);
	console.log("| ---: | ---: | --- | ---: | ---: | ---: | --- | --- | --- | ---: | ---: | ---: | --- |");
	for (const row of rows) console.log(row);
} finally {
	for (const ws of sockets) ws.terminate();
	await dev.stop();
}
