/**
 * Q2: an upgrade placed on a shard three ways: the Worker straight to the shard (direct), the
 * Worker after an RPC to the root (placed), the root returning the shard's 101 (via-root).
 * Who answers, whether the root's code runs per frame (its call counter), CPU per echoed frame of
 * each workerd, in ABBA turns. `one`: everything in session a; `cross`: client at b's Worker,
 * shard in b, root in a.
 *   npx node bench/probes/sharding/q2.ts one|cross [N] [TURNS]
 */
import { cpuDuring, echoes, median, next, open, sessions } from "./measure.ts";

const where = process.argv[2] ?? "one";
const n = Number(process.argv[3] ?? 1000);
const turns = Number(process.argv[4] ?? 3);
const [a, b] = sessions as [(typeof sessions)[0], (typeof sessions)[0]];
const room = `q2-${where}-${Date.now()}`;
const client = where === "one" ? a : (b as typeof a);
const rootNs = where === "one" ? "LOCAL" : "REMOTE";
const ws0 = client.origin.replace("http", "ws");
const ways: Record<string, string> = {
	direct: `${ws0}/do/LOCAL/${room}~1/ws`,
	placed: `${ws0}/place/${rootNs}/${room}/ws?shard=LOCAL`,
	"via-root": `${ws0}/via/${rootNs}/${room}/ws?ns=${rootNs}&to=${room}~1`,
};
const rootCalls = async () =>
	((await (await fetch(`${client.origin}/rpc/${rootNs}/${room}/whoami`)).json()) as { calls: number }).calls;

const sockets: Record<string, Awaited<ReturnType<typeof open>>> = {};
for (const [way, url] of Object.entries(ways)) {
	const ws = await open(url);
	const who = next(ws);
	ws.send("who");
	console.log(`${way}: answered by ${await who}`);
	await echoes(ws, 200);
	sockets[way] = ws;
}
const perFrame: Record<string, Record<string, number[]>> = {};
const order = Object.keys(ways);
for (let t = 0; t < turns; t++) {
	for (const way of t % 2 ? [...order].reverse() : order) {
		const before = await rootCalls();
		const r = await cpuDuring(() => echoes(sockets[way] as never, n));
		const rootRan = (await rootCalls()) - before - 1;
		const row = perFrame[way] ?? {};
		perFrame[way] = row;
		const add = (key: string, value: number) => (row[key] = [...(row[key] ?? []), value]);
		for (const [k, v] of Object.entries(r.cpu)) add(k, (v / n) * 1e6);
		add("rtUs", (r.wallS / n) * 1e6);
		add("rootCallsPerFrame", rootRan / n);
	}
}
for (const [way, row] of Object.entries(perFrame)) {
	console.log(
		`${way.padEnd(9)} ` +
			Object.entries(row)
				.map(([k, v]) => `${k}=${median(v).toFixed(1)} [${v.map((x) => x.toFixed(0)).join(",")}]`)
				.join(" "),
	);
}
for (const ws of Object.values(sockets)) ws.close();
