/**
 * Q1: do session a's Worker and objects reach session b's objects (fetch, RPC, a WebSocket upgrade),
 * which process runs the object's code, and does a→b work object to object?
 *   npx node bench/probes/sharding/q1.ts
 */
import { cpuDuring, echoes, fmt, next, open, sessions } from "./measure.ts";

const [a, b] = sessions as [(typeof sessions)[0], (typeof sessions)[0]];
const room = `q1-${Date.now()}`;
const get = async (url: string) => (await fetch(url)).json();

console.log("fetch a→REMOTE:", JSON.stringify(await get(`${a.origin}/do/REMOTE/${room}/x`)));
console.log("rpc   a→REMOTE:", JSON.stringify(await get(`${a.origin}/rpc/REMOTE/${room}/whoami`)));
console.log("rpc   b→LOCAL (same object):", JSON.stringify(await get(`${b.origin}/rpc/LOCAL/${room}/whoami`)));

// Which process burns the CPU of a method run on a REMOTE object.
const spin = await cpuDuring(async () => {
	for (let i = 0; i < 5; i++) await get(`${a.origin}/rpc/REMOTE/${room}/spin?args=${encodeURIComponent("[20000000]")}`);
});
console.log(`spin 5×2e7 on a's REMOTE object, CPU ms: ${fmt(spin.cpu, 1, 1e3)} (wall ${spin.wallS.toFixed(2)} s)`);

// A WebSocket upgrade forwarded by a's Worker to b's object; frames echoed by it.
const ws = await open(`${a.origin.replace("http", "ws")}/do/REMOTE/${room}-ws/ws`);
const who = next(ws);
ws.send("who");
console.log("ws a→REMOTE who:", await who);
await echoes(ws, 100);
for (let turn = 0; turn < 3; turn++) {
	const n = 2000;
	const r = await cpuDuring(() => echoes(ws, n));
	console.log(
		`ws a→REMOTE echo ×${n}: µs CPU per frame ${fmt(r.cpu, n)}; ${((r.wallS / n) * 1e6).toFixed(0)} µs per round trip`,
	);
	const direct = await open(`${b.origin.replace("http", "ws")}/do/LOCAL/${room}-ws/ws`);
	const d = await cpuDuring(() => echoes(direct, n));
	console.log(
		`ws b→LOCAL (same object) ×${n}: µs CPU per frame ${fmt(d.cpu, n)}; ${((d.wallS / n) * 1e6).toFixed(0)} µs per round trip`,
	);
	direct.close();
}
ws.close();

// Object in a calls objects in b (DO→DO RPC across sessions).
const fan = await get(
	`${a.origin}/rpc/LOCAL/${room}-root/fanout?args=${encodeURIComponent(JSON.stringify([{ ns: "REMOTE", prefix: room, S: 2, k: 1, n: 3, mode: "seq" }]))}`,
);
console.log("a LOCAL root → b REMOTE shards fanout:", JSON.stringify(fan));
console.log("b shard received:", JSON.stringify(await get(`${b.origin}/rpc/LOCAL/${room}~0/whoami`)));
