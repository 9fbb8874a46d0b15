/**
 * Q4: what keeps an idle object from hibernating. Each case is its own object in session a with a
 * socket open (or none), armed once, then left alone; after W seconds it is asked who it is: a new
 * instance means it was evicted (its sockets hibernated) meanwhile.
 *   npx node bench/probes/sharding/q4.ts [W1,W2,...]   (seconds; default 12,25,70)
 */
import { next, open, sessions } from "./measure.ts";

const waits = (process.argv[2] ?? "12,25,70").split(",").map(Number);
const [a] = sessions as [(typeof sessions)[0]];
const ws0 = a.origin.replace("http", "ws");
const tag = `q4-${Date.now()}`;
const rpc = async (ns: string, name: string, method: string, args: unknown[] = []) =>
	(await (
		await fetch(`${a.origin}/rpc/${ns}/${name}/${method}?args=${encodeURIComponent(JSON.stringify(args))}`)
	).json()) as {
		instance: string;
	};
const ask = async (ws: Awaited<ReturnType<typeof open>>) => {
	const reply = next(ws);
	ws.send("who");
	return (JSON.parse(await reply) as { instance: string }).instance;
};

interface Case {
	name: string;
	before: string;
	after(): Promise<string>;
}
const cases: Case[] = [];
const long = 3_600_000;
const socketCase = async (name: string, arm?: string, url?: string) => {
	const room = `${tag}-${name}`;
	const ws = await open(url ?? `${ws0}/do/LOCAL/${room}/ws`);
	const before = await ask(ws);
	if (arm) {
		const armed = next(ws);
		ws.send(arm.replace("ROOM", room));
		await armed;
	}
	cases.push({ name, before, after: () => ask(ws) });
};
for (const w of waits) {
	await socketCase(`socket-only-${w}s`);
	const rpcCase = async (name: string, arm: (room: string) => Promise<unknown>) => {
		const room = `${tag}-${name}`;
		const before = (await rpc("LOCAL", room, "whoami")).instance;
		await arm(room);
		cases.push({ name, before, after: async () => (await rpc("LOCAL", room, "whoami")).instance });
	};
	await rpcCase(`no-socket-${w}s`, async () => {});
	if (w !== Math.max(...waits)) continue;
	await socketCase(`timer-1h-${w}s`, `timer:${long}`);
	await socketCase(`timer-3s-${w}s`, "timer:3000");
	await socketCase(`rpc-pending-remote-1h-${w}s`, `rpc:${long}:ROOM-callee`);
	await socketCase(`rpc-pending-remote-waitUntil-1h-${w}s`, `rpcwait:${long}:ROOM-callee`);
	await socketCase(`rpc-pending-local-1h-${w}s`, `rpclocal:${long}:ROOM-callee`);
	await socketCase(`rpc-pending-local-10s-${w}s`, `rpclocal:10000:ROOM-callee`);
	await rpcCase(`no-socket-timer-1h-${w}s`, (room) => rpc("LOCAL", room, "arm", [long]));
	// A root that returned a shard's 101: is the root kept awake while the socket is open?
	const root = `${tag}-via-root`;
	await socketCase(`via-root-shard-${w}s`, undefined, `${ws0}/via/LOCAL/${root}/ws?ns=LOCAL&to=${root}~1`);
	const rootBefore = (await rpc("LOCAL", root, "whoami")).instance;
	cases.push({
		name: `via-root-root-${w}s`,
		before: rootBefore,
		after: async () => (await rpc("LOCAL", root, "whoami")).instance,
	});
}
const started = Date.now();
for (const w of [...new Set(waits)].sort((x, y) => x - y)) {
	await new Promise((done) => setTimeout(done, Math.max(0, started + w * 1000 - Date.now())));
	for (const c of cases.filter((c) => c.name.endsWith(`-${w}s`))) {
		const after = await c.after();
		console.log(
			`${c.name}: ${after === c.before ? "same instance (stayed awake)" : "NEW instance (was evicted)"} ${c.before} → ${after}`,
		);
	}
}
process.exit(0);
