/**
 * Where does a large room's join time go?
 * `npx node bench/probes/join-profile.ts [MODE] [N] [--no-profile]` (defaults `count`, 2,000).
 * MODE is a presence mode of ours, or `bare` for the bare relay's connects. Starts the server
 * under `wrangler dev`, connects straight to the Worker's own workerd, and opens (and registers)
 * N sockets as scenario (a) does, 50 handshakes in flight. Prints, for each tenth of the joins,
 * its time and the workerd's CPU (a per-join cost that grows with the room shows as tenths that
 * grow); unless `--no-profile`, it also runs the V8 sampling profiler of the room's isolate
 * (through the inspector) over the first and the last tenth, prints the functions with the most
 * self time side by side, and writes both profiles to /tmp/join-profile-first.cpuprofile and
 * /tmp/join-profile.cpuprofile (DevTools opens them). Lines the Worker prints with `PROBE`
 * (timing instrumentation added for a run) are shown as they come.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { freePorts, LOOPBACK } from "../../scripts/local-server/loopback.ts";
import { startWranglerDev } from "../../scripts/local-server/wrangler-dev.ts";
import type { PresenceMode } from "../../scripts/resuming-client/server-frames.ts";
import { type Conn, closeAll, open, type Sink } from "../load/clients.ts";
import { workerEntry } from "../servers/launch.ts";

/** A presence mode for ours, or `bare` to connect the same sockets to the bare relay. */
const mode = (process.argv[2] ?? "count") as PresenceMode | "bare";
const server = mode === "bare" ? "bare" : "ours";
const protocol = mode === "bare" ? "bare" : "rooms";
const presence = mode === "bare" ? undefined : mode;
const n = Number(process.argv[3] ?? 2000);
/** `--no-profile`: the tenths' times and CPU alone, without the profiler's own cost. */
const profiling = process.argv[4] !== "--no-profile";
const concurrency = 50;

interface ProfileNode {
	id: number;
	callFrame: { functionName: string; url: string; lineNumber: number };
	hitCount?: number;
}
interface Profile {
	nodes: ProfileNode[];
	samples: number[];
	timeDeltas: number[];
}

/** CPU ms a process has used so far (utime + stime, at the kernel's 100 Hz). */
function cpuMs(pid: number): number {
	const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
	return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** A CDP session over the inspector's WebSocket: one request at a time is all this needs. */
async function inspect(url: string) {
	const ws = new WebSocket(url);
	await new Promise((done, fail) => {
		ws.once("open", done);
		ws.once("error", fail);
	});
	let next = 1;
	const waiting = new Map<number, (result: unknown) => void>();
	ws.on("message", (data: Buffer) => {
		const message = JSON.parse(data.toString()) as { id?: number; result?: unknown };
		if (message.id !== undefined) waiting.get(message.id)?.(message.result);
	});
	return {
		call: (method: string, params: object = {}) =>
			new Promise<unknown>((done) => {
				const id = next++;
				waiting.set(id, done);
				ws.send(JSON.stringify({ id, method, params }));
			}),
		close: () => ws.close(),
	};
}

/** Self time per function (ms), and the profile's whole sampled time. */
function selfTimes(profile: Profile): { total: number; self: Map<string, number> } {
	const byId = new Map(profile.nodes.map((node) => [node.id, node]));
	const self = new Map<string, number>();
	let total = 0;
	profile.samples.forEach((id, i) => {
		const node = byId.get(id);
		const ms = (profile.timeDeltas[i] ?? 0) / 1000;
		total += ms;
		if (!node) return;
		const { functionName, url, lineNumber } = node.callFrame;
		const key = `${functionName || "(anonymous)"} ${url.split("/").slice(-1)[0]}:${lineNumber + 1}`;
		self.set(key, (self.get(key) ?? 0) + ms);
	});
	return { total, self };
}

function compare(first: Profile, last: Profile): void {
	const a = selfTimes(first);
	const b = selfTimes(last);
	console.log(`sampled: first tenth ${a.total.toFixed(0)} ms, last tenth ${b.total.toFixed(0)} ms`);
	const keys = new Set([...a.self.keys(), ...b.self.keys()]);
	const rows = [...keys].map((key) => ({ key, a: a.self.get(key) ?? 0, b: b.self.get(key) ?? 0 }));
	rows.sort((x, y) => Math.max(y.a, y.b) - Math.max(x.a, x.b));
	console.log("    first     last  function (self time, ms)");
	for (const { key, a: msA, b: msB } of rows.slice(0, 45)) {
		console.log(`${msA.toFixed(1).padStart(9)}${msB.toFixed(1).padStart(9)}  ${key}`);
	}
}

const [inspectorPort] = (await freePorts(1)) as [number];
// Lines the room prints with PROBE (temporary instrumentation) are shown as they come.
const dev = await startWranglerDev({
	name: "join-profile",
	config: `bench/servers/${server}/wrangler.toml`,
	inspectorPort,
	onLine: (line) => {
		if (line.includes("PROBE")) console.log(line.slice(line.indexOf("PROBE")));
	},
});
const conns: Conn[] = [];
try {
	const entry = await workerEntry(
		dev.workerd().map((member) => member.pid),
		dev.port,
	);
	if (!entry) throw new Error("the Worker's own workerd was not found");
	const { pid } = entry;
	const origin = `${LOOPBACK}:${entry.port}`;
	const room = `profile-${mode}-${n}`;
	const url = `ws://${origin}/rooms/${room}/ws`;
	const sink: Sink = { delivery() {}, error: (_i, text) => console.error(text) };
	// The room's isolate exists once something ran in it: one socket first.
	conns.push(await open({ protocol, origin: "", roomUrl: () => url }, room, n, sink, presence));
	const targets = (await (await fetch(`http://${LOOPBACK}:${inspectorPort}/json`)).json()) as {
		webSocketDebuggerUrl: string;
		title?: string;
	}[];
	const target = targets.find((t) => t.title?.includes(`edge-rooms-bench-${server}`)) ?? targets[0];
	if (!target) throw new Error("no inspector target");
	const cdp = await inspect(target.webSocketDebuggerUrl);
	await cdp.call("Profiler.enable");
	await cdp.call("Profiler.setSamplingInterval", { interval: 200 });
	const profiles: Profile[] = [];
	const start = performance.now();
	const tenth = Math.ceil(n / 10);
	let last = start;
	let lastCpu = cpuMs(pid);
	for (let first = 0; first < n; first += tenth) {
		const count = Math.min(tenth, n - first);
		const profiled = profiling && (first === 0 || first + count >= n);
		if (profiled) await cdp.call("Profiler.start");
		let next = 0;
		const worker = async () => {
			while (next < count) {
				const index = first + next++;
				conns.push(await open({ protocol, origin: "", roomUrl: () => url }, room, index, sink, presence));
			}
		};
		await Promise.all(Array.from({ length: concurrency }, worker));
		if (profiled) profiles.push(((await cdp.call("Profiler.stop")) as { profile: Profile }).profile);
		const now = performance.now();
		const cpu = cpuMs(pid);
		console.log(
			`joins ${first}-${first + count - 1}: ${(now - last).toFixed(0)} ms, workerd CPU ${cpu - lastCpu} ms, this process ${(process.cpuUsage().user / 1000).toFixed(0)} ms in all`,
		);
		last = now;
		lastCpu = cpu;
	}
	console.log(`${n} ${mode} joins: ${(performance.now() - start).toFixed(0)} ms`);
	const [firstProfile, lastProfile] = profiles;
	if (firstProfile && lastProfile) {
		writeFileSync("/tmp/join-profile-first.cpuprofile", JSON.stringify(firstProfile));
		writeFileSync("/tmp/join-profile.cpuprofile", JSON.stringify(lastProfile));
		compare(firstProfile, lastProfile);
	}
	cdp.close();
} finally {
	await closeAll(conns);
	await dev.stop();
}
