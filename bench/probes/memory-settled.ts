/**
 * What a registered socket holds, step by step, each in a fresh server process:
 * `npx node bench/probes/memory-settled.ts [N] [VARIANTS]` (defaults 1,000 and all of
 * `bare,floor:plain,floor:trip,floor:row,ours:connect,ours:count,ours:batched`).
 *
 * For each variant it starts the server (workerd with `--expose-gc`), reads its memory settled
 * (load/settle.ts: the server collects its garbage, then its RSS is read until it stops moving),
 * joins N sockets, 50 handshakes in flight, reads the RSS 3 s later as it is, and settled again.
 * Prints the growth per socket, with the anonymous part of it (/proc/PID/smaps_rollup): what
 * workerd allocated, not files it mapped. Variants: `bare` (its connect), the floor server's
 * `plain` (the same), `trip` (+ the `Register` round trip) and `row` (+ one SQLite row in its
 * turn), ours `connect` (open until `ConnectionEstablished`, never registered) and ours registered
 * `count` or `batched`.
 */
import { readFileSync } from "node:fs";
import { closeAll, openMany, type Sink, type Target } from "../load/clients.ts";
import { settledMemory } from "../load/settle.ts";
import { sleep, startServer } from "../servers/launch.ts";

const n = Number(process.argv[2] ?? 1000);
const variants = (
	process.argv[3] ?? "bare,floor:plain,floor:trip,floor:row,ours:connect,ours:count,ours:batched"
).split(",");

/** Anonymous resident memory of a process (bytes). */
function anonymous(pid: number): number {
	const text = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
	return Number(/^Anonymous:\s+(\d+) kB/m.exec(text)?.[1] ?? 0) * 1024;
}

const sink: Sink = { delivery() {}, error: (_i, text) => console.error(text) };
console.log(`| ${n} sockets | join ms | per socket 3 s after | per socket, settled | anonymous, settled |`);
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const variant of variants) {
	const [name = "", step = ""] = variant.split(":");
	if (!["bare", "floor", "ours"].includes(name)) throw new Error(`unknown variant ${variant}`);
	const server = await startServer(
		name,
		{ type: "wrangler", config: `bench/servers/${name}/wrangler.toml` },
		{ v8Flags: ["--expose-gc"] },
	);
	try {
		const pid = server.workPids()[0] as number;
		// bare's protocol is an open socket: bare itself, the floor's `plain`, and ours unregistered
		const opensOnly = name === "bare" || step === "plain" || step === "connect";
		const target: Target = {
			protocol: opensOnly ? "bare" : "rooms",
			origin: server.origin,
			roomUrl: (room) => `${server.wsOrigin}/rooms/${room}/ws`,
		};
		const presence = name === "ours" && (step === "count" || step === "batched") ? step : undefined;
		const before = await settledMemory(server);
		const anonymousBefore = anonymous(pid);
		const start = performance.now();
		const conns = await openMany(
			target,
			name === "floor" ? `${step}-memory` : "memory",
			{ firstIndex: 0, count: n, concurrency: 50, presence },
			sink,
		);
		const ms = performance.now() - start;
		await sleep(3000);
		const asIs = server.rssBytes();
		const after = await settledMemory(server);
		const per = (bytes: number) => (bytes / n).toFixed(0);
		const note = after.collected && after.settled ? "" : ` (collected ${after.collected}, settled ${after.settled})`;
		console.log(
			`| ${variant} | ${ms.toFixed(0)} | ${per(asIs - before.rssBytes)} | ${per(after.rssBytes - before.rssBytes)}${note} | ${per(anonymous(pid) - anonymousBefore)} |`,
		);
		await closeAll(conns);
	} finally {
		await server.stop();
	}
}
