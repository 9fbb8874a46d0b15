/**
 * Q3: CPU per DO→DO RPC call carrying k messages (~100-byte JSON strings), from one object in
 * session a to S targets, calls awaited in sequence or in parallel; targets in the same workerd
 * (LOCAL: a's CPU is caller and callee together) or in b's (REMOTE: a's CPU is the caller's,
 * b's the callee's). Configurations run forward then backward (ABBA), TURNS times.
 *   npx node bench/probes/sharding/q3.ts [CALLS] [TURNS] [NS,...] [K,...] [S,...] [MODE,...]
 */
import { cpuDuring, median, sessions } from "./measure.ts";

const calls = Number(process.argv[2] ?? 2000);
const turns = Number(process.argv[3] ?? 2);
const spaces = (process.argv[4] ?? "LOCAL,REMOTE").split(",");
const [a] = sessions as [(typeof sessions)[0]];
const stamp = Date.now();
const configs: { ns: string; k: number; S: number; mode: string }[] = [];
const list = (i: number, fallback: string) => (process.argv[i] ?? fallback).split(",");
for (const ns of spaces)
	for (const k of list(5, "1,10,100").map(Number))
		for (const S of list(6, "1,4,16").map(Number))
			for (const mode of list(7, "seq,par")) configs.push({ ns, k, S, mode });

const fanout = async (c: (typeof configs)[0], n: number) => {
	const args = [{ ns: c.ns, prefix: `q3-${stamp}-${c.ns}-${c.S}`, S: c.S, k: c.k, n, mode: c.mode }];
	const r = await fetch(
		`${a.origin}/rpc/LOCAL/q3-${stamp}-root/fanout?args=${encodeURIComponent(JSON.stringify(args))}`,
	);
	if (!r.ok) throw new Error(await r.text());
	return (await r.json()) as { calls: number; ms: number };
};

const results = new Map<string, { a: number[]; b: number[]; wall: number[] }>();
for (let t = 0; t < turns * 2; t++) {
	for (const c of t % 2 ? [...configs].reverse() : configs) {
		const n = Math.ceil(calls / c.S);
		await fanout(c, 3);
		const r = await cpuDuring(() => fanout(c, n));
		const made = n * c.S;
		const key = `${c.ns} k=${c.k} S=${c.S} ${c.mode}`;
		const row = results.get(key) ?? { a: [], b: [], wall: [] };
		row.a.push(((r.cpu["probe-a.user"] ?? 0) / made) * 1e6);
		row.b.push(((r.cpu["probe-b.user"] ?? 0) / made) * 1e6);
		row.wall.push((r.result.ms / made) * 1e3);
		results.set(key, row);
	}
}
const show = (xs: number[]) => `${median(xs).toFixed(1)} [${xs.map((x) => x.toFixed(0)).join(",")}]`;
console.log("config | a µs CPU/call | b µs CPU/call | µs wall/call (in the caller)");
for (const [key, row] of results) console.log(`${key} | ${show(row.a)} | ${show(row.b)} | ${show(row.wall)}`);
