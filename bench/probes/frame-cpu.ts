/**
 * What one frame a room receives costs its workerd, in CPU: `npx node bench/probes/frame-cpu.ts
 * [server] [receivers] [rate] [seconds] [events]`, defaults `ours 0 100 4
 * Signal,SendMessage,Signal,SendMessage,Signal,SendMessage`.
 *
 * Starts `ours` or `bare` (direct to the Worker's workerd, as the benchmark does), one sender and
 * `receivers` registered sockets (bare: open), sends 1,100 messages to fill the room's history,
 * then for each event in turn sends `rate` frames a second for `seconds` and prints the workerd's
 * utime and stime over the frames sent. With no
 * receivers, SendMessage less Signal is what storing a message costs (its row, its commit, its
 * ack); Signal alone is the cost of an event. `SendMessageWithId` is SendMessage with a fresh
 * clientMessageId each, as the client library sends. The servers run as the benchmark's do, without
 * wrangler's local trace collector (scripts/local-server/wrangler-dev-command.ts); to measure with
 * it, take that file from 8af7b14 first. The rooms' state is kept where the benchmark keeps it
 * (bench/servers/storage.ts): in memory, or on disk with `BENCH_STORAGE=disk`.
 */
import type WebSocket from "ws";
import { processCpu } from "../load/proc-times.ts";
import { sleep, startServer } from "../servers/launch.ts";
import { benchStorage } from "../servers/storage.ts";
import { joined } from "./joined.ts";

const [server = "ours", receivers = "0", rate = "100", seconds = "4", events] = process.argv.slice(2);
const EVENTS = (events ?? "Signal,SendMessage,Signal,SendMessage,Signal,SendMessage").split(",");
const PAYLOAD = `{"text":"hello world, a benchmark message"}`;
/** Messages sent first: more than the bench config's HISTORY_LIMIT (1,000). */
const PREFILL = 1100;

/** utime and stime of a process so far, in ms (10 ms ticks). */
function cpuMs(pid: number): { user: number; system: number } {
	const { user, system } = processCpu(pid);
	return { user: Math.round(user * 1000), system: Math.round(system * 1000) };
}

let sentIds = 0;

function frameOf(event: string): string {
	if (event === "Signal") return `{"eventType":"ClientEvent","event":"Signal","requestData":{"signal":${PAYLOAD}}}`;
	const id = event === "SendMessageWithId" ? `,"clientMessageId":"c-${++sentIds}"` : "";
	return `{"eventType":"ClientEvent","event":"SendMessage","requestData":{"message":${PAYLOAD}${id}}}`;
}

// The benchmark's storage (memory unless BENCH_STORAGE=disk): on disk, a message's commit waits for fsync.
const storage = benchStorage(process.env.BENCH_STORAGE === "disk" ? "disk" : "memory");
console.log(`storage: ${storage.description}`);
const running = await startServer(
	server,
	{ type: "wrangler", config: `bench/servers/${server}/wrangler.toml` },
	{ tempRoot: storage.root },
);
try {
	const url = `${running.wsOrigin}/rooms/frame-cpu-${Date.now()}/ws`;
	const register = server !== "bare";
	const sender = await joined(url, "sender", register);
	const others: WebSocket[] = [];
	for (let i = 0; i < Number(receivers); i++) others.push(await joined(url, `r${i}`, register));
	// A history already full, as in any busy room: from here on every message prunes one.
	for (let i = 0; i < PREFILL; i++) {
		sender.send(frameOf("SendMessage"));
		if (i % 50 === 49) await sleep(20);
	}
	await sleep(1000);
	const pid = running.workPids()[0] as number;
	console.log("event              frames  received  user ms  system ms  µs per frame (user, system)");
	for (const event of EVENTS) {
		let received = 0;
		const count = () => received++;
		for (const other of others) other.on("message", count);
		await sleep(500);
		const before = cpuMs(pid);
		const start = performance.now();
		let sent = 0;
		while (performance.now() - start < Number(seconds) * 1000) {
			const due = Math.floor(((performance.now() - start) / 1000) * Number(rate)) + 1;
			for (; sent < due; sent++) sender.send(frameOf(event));
			await sleep(2);
		}
		await sleep(500);
		const after = cpuMs(pid);
		for (const other of others) other.off("message", count);
		const user = after.user - before.user;
		const system = after.system - before.system;
		const per = (ms: number) => ((ms * 1000) / sent).toFixed(0);
		console.log(
			`${event.padEnd(17)} ${String(sent).padStart(7)} ${String(received).padStart(9)} ${String(user).padStart(8)} ${String(system).padStart(10)}  ${per(user + system)} (${per(user)}, ${per(system)})`,
		);
	}
	for (const socket of [sender, ...others]) socket.close();
} finally {
	await running.stop();
}
