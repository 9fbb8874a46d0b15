/**
 * Ours' server CPU per delivery over bare's, measured tighter than one benchmark run can:
 * `npx node bench/probes/paired-cpu.ts [EVENT] [PAIRS] [RECEIVERS] [RATE] [--servers A,B] [--profile]`,
 * defaults `SendMessage`, 60, 199 and 20 (the quick benchmark's fixed steps: 20 frames a second to
 * 199 others), servers `ours,bare` (A's over B's; `bare,bare` measures how far two processes of
 * the same code differ).
 *
 * Starts both (direct to each Worker's workerd, state where the benchmark keeps it), opens
 * a room on each with one sender and RECEIVERS registered sockets (bare: open), then runs PAIRS
 * pairs of one-second phases, one server's then the other's, the order swapped every pair (ABBA),
 * so that the machine's drift falls on both alike. Each phase's CPU is every workerd thread's
 * schedstat run time, to the nanosecond. Prints each server's µs per delivery over all its phases,
 * their ratio, and the ratio's standard error from the spread of the pairs' ratios.
 *
 * With `--profile` (needs `perf`), each workerd runs with V8's perf map and `perf record` samples
 * it over the pairs; the samples are then split by where they went (`profile-split.ts`) and
 * printed per 1,000 deliveries, side by side.
 */
import type WebSocket from "ws";
import { cpuSecondsBetween, threadTimes } from "../load/proc-times.ts";
import { type RunningServer, sleep, startServer } from "../servers/launch.ts";
import { benchStorage } from "../servers/storage.ts";
import { joined } from "./joined.ts";
import { printProfiles, type Recording, recordProfile, V8_PERF_FLAGS } from "./profile-record.ts";

const args = process.argv.slice(2);
const profile = args.includes("--profile");
const serversAt = args.indexOf("--servers");
const [firstName = "ours", secondName = "bare"] = serversAt >= 0 ? (args[serversAt + 1] ?? "").split(",") : [];
const [event = "SendMessage", pairs = "60", receivers = "199", rate = "20"] = args.filter(
	(arg, i) => arg !== "--profile" && (serversAt < 0 || (i !== serversAt && i !== serversAt + 1)),
);
// Read by miniflare when it starts workerd: JavaScript frames get names in perf's samples.
if (profile) process.env.MINIFLARE_WORKERD_V8_FLAGS = V8_PERF_FLAGS;
if (event !== "SendMessage" && event !== "Signal") throw new Error(`EVENT is SendMessage or Signal, not ${event}`);
const PAD = "x".repeat(64);
/** The room's sockets are silent otherwise: a ping each keeps ours' idle reaper away (60 s). */
const PING_EVERY_MS = 10_000;

function frameOf(key: number): string {
	const payload = `{"k":${key},"p":"${PAD}"}`;
	return event === "Signal"
		? `{"eventType":"ClientEvent","event":"Signal","requestId":"s${key}","requestData":{"signal":${payload}}}`
		: `{"eventType":"ClientEvent","event":"SendMessage","requestId":"m${key}","requestData":{"message":${payload}}}`;
}

interface Room {
	/** The server's label in the output. */
	name: string;
	server: RunningServer;
	sender: WebSocket;
	received: () => number;
	/** µs of CPU and deliveries, over every phase. */
	cpuUs: number;
	delivered: number;
}

async function openRoom(name: string, label: string, root: string | undefined): Promise<Room> {
	const config = `bench/servers/${name}/wrangler.toml`;
	const server = await startServer(label, { type: "wrangler", config }, { tempRoot: root });
	const url = `${server.wsOrigin}/rooms/paired-cpu-${Date.now()}/ws`;
	const register = name !== "bare";
	const sender = await joined(url, "sender", register);
	const others: WebSocket[] = [];
	for (let i = 0; i < Number(receivers); i++) others.push(await joined(url, `r${i}`, register));
	let received = 0;
	for (const other of others) other.on("message", () => received++);
	setInterval(() => {
		for (const socket of [sender, ...others]) socket.send("ping");
	}, PING_EVERY_MS).unref();
	return { name: label, server, sender, received: () => received, cpuUs: 0, delivered: 0 };
}

/** One second of `rate` frames a second to one room: its CPU (µs) and deliveries. */
async function phase(room: Room): Promise<{ cpuUs: number; delivered: number }> {
	const pids = room.server.workPids();
	const before = threadTimes(pids);
	const received = room.received();
	const start = performance.now();
	let sent = 0;
	while (performance.now() - start < 1000) {
		const due = Math.floor(((performance.now() - start) / 1000) * Number(rate)) + 1;
		for (; sent < due; sent++) room.sender.send(frameOf(sent));
		await sleep(2);
	}
	await sleep(300);
	return { cpuUs: cpuSecondsBetween(before, threadTimes(pids)) * 1e6, delivered: room.received() - received };
}

const storage = benchStorage("memory");
console.log(`storage: ${storage.description}; ${event}, ${pairs} pairs, ${receivers} receivers, ${rate}/s`);
const first = await openRoom(firstName, firstName, storage.root);
const second = await openRoom(secondName, secondName === firstName ? `${secondName}-2` : secondName, storage.root);
try {
	// Both rooms warm (first sends pay one-off costs), then the pairs.
	for (let i = 0; i < 2; i++) for (const room of [first, second]) await phase(room);
	const recordings: Recording[] = profile
		? [first, second].map((room) => recordProfile(room.name, room.server.workPids()))
		: [];
	const ratios: number[] = [];
	for (let i = 0; i < Number(pairs); i++) {
		const [a, b] = i % 2 === 0 ? [first, second] : [second, first];
		const measured = [
			{ room: a, ...(await phase(a)) },
			{ room: b, ...(await phase(b)) },
		];
		// A phase in which nothing arrived (a room that closed its readers) says nothing: the pair is left out.
		const empty = measured.find((m) => m.delivered === 0);
		if (empty) {
			console.log(`pair ${i + 1}: nothing reached ${empty.room.name}'s readers; left out`);
			continue;
		}
		let ratio = 1;
		for (const m of measured) {
			m.room.cpuUs += m.cpuUs;
			m.room.delivered += m.delivered;
			ratio *= m.room === first ? m.cpuUs / m.delivered : m.delivered / m.cpuUs;
		}
		ratios.push(ratio);
	}
	const perDelivery = (room: Room) => room.cpuUs / room.delivered;
	const mean = ratios.reduce((sum, x) => sum + x, 0) / ratios.length;
	const sd = Math.sqrt(ratios.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (ratios.length - 1));
	console.log(
		`${first.name} ${perDelivery(first).toFixed(1)} µs per delivery, ${second.name} ${perDelivery(second).toFixed(1)}: ` +
			`ratio ${(perDelivery(first) / perDelivery(second)).toFixed(3)} ± ${(sd / Math.sqrt(ratios.length)).toFixed(3)} ` +
			`(standard error over ${ratios.length} pairs)`,
	);
	if (profile) await printProfiles(recordings, [first.delivered, second.delivered]);
} finally {
	await Promise.all([first.server.stop(), second.server.stop()]);
}
process.exit(0);
