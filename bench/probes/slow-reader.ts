/**
 * What a reader that does not read costs the room. `npx node bench/probes/slow-reader.ts [M] [K]`
 * Starts ours (direct to the Worker's workerd, RATE_LIMIT raised, MAX_BUFFERED_BYTES at its
 * default 1 MiB), registers K readers (default 1) whose TCP sockets are then paused, and one
 * sender that sends M messages (default 5,000) of 16 KiB of random text, at most 64 unacknowledged.
 * Prints the workerd RSS before, its peak while sending, after the last ack, and after the
 * readers read again and let go; whether the room closed the readers (4001); and how many bytes
 * had waited for each reader (read once it reads again, until the close or a second of silence).
 */
import { randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import type WebSocket from "ws";
import { sleep, startServer } from "../servers/launch.ts";
import { joined } from "./joined.ts";

const messages = Number(process.argv[2] ?? 5000);
const readers = Number(process.argv[3] ?? 1);
const WINDOW = 64;
const MB = 1024 * 1024;

/** Sends `count` messages, keeping at most WINDOW unacknowledged; counts the readers' leaves as they come. */
async function flood(sender: WebSocket, count: number, onLeft: (userId: string, atMessage: number) => void) {
	let sent = 0;
	let acked = 0;
	await new Promise<void>((done, fail) => {
		const sendMore = () => {
			while (sent < count && sent - acked < WINDOW) {
				const payload = randomBytes(12 * 1024).toString("base64");
				sender.send(`{"eventType":"ClientEvent","event":"SendMessage","requestData":{"message":"${payload}"}}`);
				sent++;
			}
		};
		sender.on("message", (data: Buffer) => {
			const text = data.toString();
			if (text.includes('"event":"MessageAck"')) {
				acked++;
				if (acked === count) done();
				else sendMore();
			} else if (text.includes('"event":"UserLeft"')) {
				const userId = /"userId":"([^"]+)"/.exec(text)?.[1] ?? "?";
				onLeft(userId, acked);
			} else if (text.includes('"event":"Error"')) fail(new Error(text));
		});
		sendMore();
	});
}

/**
 * Resumes a paused reader and reads until the room closes it or nothing comes for a second:
 * the bytes that waited for it (in the room and in the kernel's socket buffers).
 */
async function drain(ws: WebSocket): Promise<{ bytes: number; close: string }> {
	let bytes = 0;
	let lastAt = performance.now();
	let close = "no close";
	let closed = false;
	ws.on("message", (data: Buffer) => {
		bytes += data.length;
		lastAt = performance.now();
	});
	ws.once("close", (code: number, reason: Buffer) => {
		close = `close ${code} "${reason.toString()}"`;
		closed = true;
	});
	(ws as unknown as { _socket: Socket })._socket.resume();
	while (!closed && performance.now() - lastAt < 1000) await sleep(50);
	return { bytes, close };
}

const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;

const server = await startServer("ours", { type: "wrangler", config: "bench/servers/ours/wrangler.toml" });
try {
	const url = `${server.wsOrigin}/rooms/slow-reader/ws`;
	const paused: WebSocket[] = [];
	for (let i = 0; i < readers; i++) paused.push(await joined(url, `reader-${i}`));
	const sender = await joined(url, "sender");
	await sleep(1000);
	const before = server.rssBytes();
	const growth = (bytes: number) => `${mb(bytes)} (${bytes >= before ? "+" : ""}${mb(bytes - before)})`;
	for (const ws of paused) (ws as unknown as { _socket: Socket })._socket.pause();

	let peak = before;
	const sampler = setInterval(() => {
		peak = Math.max(peak, server.rssBytes());
	}, 50);
	const left: string[] = [];
	const started = performance.now();
	await flood(sender, messages, (userId, at) => left.push(`${userId} after ${at} acks`));
	const seconds = (performance.now() - started) / 1000;
	await sleep(1000);
	clearInterval(sampler);
	const afterSending = server.rssBytes();
	peak = Math.max(peak, afterSending);

	const closedByRoom = left.length ? left.join(", ") : "none";
	const drained = await Promise.all(paused.map(drain));
	for (const ws of paused) ws.terminate();
	await sleep(2000);
	const afterReading = server.rssBytes();
	sender.terminate();

	console.log(`${messages} × 16 KiB to ${readers} paused reader(s) in ${seconds.toFixed(1)} s`);
	console.log(`workerd RSS before: ${mb(before)}`);
	console.log(`  peak while sending: ${growth(peak)}`);
	console.log(`  1 s after the last ack, readers still paused: ${growth(afterSending)}`);
	console.log(`  2 s after the readers read again and let go: ${growth(afterReading)}`);
	console.log(`closed by the room while sending (UserLeft seen by the sender): ${closedByRoom}`);
	for (const [i, { bytes, close }] of drained.entries()) {
		console.log(`reader-${i}, reading again: ${mb(bytes)} had waited for it, then ${close}`);
	}
} finally {
	await server.stop();
}
