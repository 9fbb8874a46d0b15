/**
 * Q4 across sessions: a client at b's Worker, the root in a returning b's shard's 101 (via-root),
 * and a socket a's Worker forwarded to b's object (REMOTE). After W s idle: are root and shard
 * evicted, and do the sockets still work?
 *   npx node bench/probes/sharding/q4x.ts [W]
 */
import { next, open, sessions } from "./measure.ts";

const w = Number(process.argv[2] ?? 15);
const [a, b] = sessions as [(typeof sessions)[0], (typeof sessions)[0]];
const room = `q4x-${Date.now()}`;
const who = async (ws: Awaited<ReturnType<typeof open>>) => {
	const reply = next(ws);
	ws.send("who");
	return (JSON.parse(await reply) as { instance: string }).instance;
};
const rootWho = async () =>
	((await (await fetch(`${a.origin}/rpc/LOCAL/${room}/whoami`)).json()) as { instance: string }).instance;
const via = await open(`${b.origin.replace("http", "ws")}/via/REMOTE/${room}/ws?ns=REMOTE&to=${room}~1`);
const remote = await open(`${a.origin.replace("http", "ws")}/do/REMOTE/${room}~2/ws`);
const before = { shard: await who(via), root: await rootWho(), remote: await who(remote) };
await new Promise((done) => setTimeout(done, w * 1000));
const after = { shard: await who(via), root: await rootWho(), remote: await who(remote) };
console.log(`after ${w} s idle:`, JSON.stringify({ before, after }));
process.exit(0);
