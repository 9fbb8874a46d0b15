/**
 * The capacity table of docs/capacity.md, computed from measured per-object costs:
 *
 *   npx node bench/capacity.ts [SHARDED_RUN] [BATCHED_RUN]
 *
 * SHARDED_RUN (default bench/results/latest.json) is a run of (h) (`--scenarios sharded`, the root
 * and the shards in two processes); BATCHED_RUN (default the newest bench/results/quick-*.json with
 * ours' busy-room figures) gives what batched frames do to a delivery's cost. Prints Markdown.
 *
 * The model: one object runs on one thread and may use one core. A room of U users (one socket
 * each) stays in one object up to SHARD_CONNECTIONS (5,000), then holds 5,000 sockets on each of
 * ceil(U / 5,000) objects: the root (its own sockets, plus storing each message and calling each
 * shard) and S shards. Per message, the root spends `root + perShard × S + 5,000 × delivery` µs, a
 * shard `5,000 × delivery`; the room carries 10^6 µs over the larger of the two messages a second.
 * Costs are (h)'s saturated steps' (a room at its limit), less each process's idle CPU.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { type ShardedFigures, shardedMedians } from "./sharded-report.ts";

const SHARD_CONNECTIONS = 5000;
const USERS = [1000, 10_000, 100_000, 1_000_000];
const CORE_US = 1e6;

type Sizes = Record<string, { sharded: ShardedFigures; single: ShardedFigures }>;

function newestBatchedRun(): string {
	const dir = join(import.meta.dirname, "results");
	const files = readdirSync(dir)
		.filter((f) => /^quick-.*\.json$/.test(f))
		.map((f) => join(dir, f))
		.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
	for (const file of files) {
		const batched = JSON.parse(readFileSync(file, "utf8")).medians?.ours?.batched;
		if (batched?.batchedBusy?.cpuUsPerDelivery && batched?.busy?.cpuUsPerDelivery) return file;
	}
	throw new Error("no bench/results/quick-*.json with ours' busy-room figures");
}

const shardedFile = process.argv[2] ?? join(import.meta.dirname, "results", "latest.json");
const batchedFile = process.argv[3] ?? newestBatchedRun();
const shardedRun = JSON.parse(readFileSync(shardedFile, "utf8"));
const batchedRun = JSON.parse(readFileSync(batchedFile, "utf8"));
// Recomputed from the saved steps with today's report, whatever the report of the run saved.
const sizes: Sizes = shardedMedians("ours", shardedRun.runs?.sharded ?? []);
const measured = Object.entries(sizes)
	.map(([sockets, figures]) => ({ sockets: Number(sockets), ...figures }))
	.filter(
		(s) =>
			s.sharded.saturatedCosts.rootCoordinationUsPerMessage !== null &&
			s.sharded.saturatedCosts.shardNetUsPerDelivery !== null,
	)
	.sort((a, b) => a.sockets - b.sockets);
if (measured.length === 0) throw new Error(`${shardedFile} has no (h) run with the root in a process of its own`);

/**
 * The root's work per shard it calls, and a delivery on a shard, from the smallest size measured:
 * there the root holds fewest sockets of its own, so its work as the root is the largest share of
 * its process's CPU. At 10,000 sockets that share is a difference of two figures each ±30 % on a
 * loaded machine (it came out between 0.5 and 23 ms a message); it is printed as a check.
 * All of the root's work is put on its calls to shards (its own, storing and acknowledging, is in a
 * delivery's cost in one object), which overstates how it grows.
 */
const points = measured.map((s) => ({
	sockets: s.sockets,
	shards: (s.sharded.objects ?? 1) - 1,
	us: s.sharded.saturatedCosts.rootCoordinationUsPerMessage as number,
}));
const base = measured[0] as (typeof measured)[number];
const first = points[0] as (typeof points)[number];
const perShardUs = first.us / first.shards;
const rootUs = 0;
const shardDeliveryUs = base.sharded.saturatedCosts.shardNetUsPerDelivery as number;
const withSingle = measured.filter((s) => s.single.saturatedCosts.netCpuUsPerDelivery !== null);
const singleSize = withSingle[withSingle.length - 1];
if (!singleSize) throw new Error(`${shardedFile} has no (h) run of the single object`);
const singleDeliveryUs = singleSize.single.saturatedCosts.netCpuUsPerDelivery as number;
const busy = batchedRun.medians.ours.batched;
const batchFactor = busy.batchedBusy.cpuUsPerDelivery / busy.busy.cpuUsPerDelivery;

interface Row {
	users: number;
	objects: number;
	rootUsPerMessage: number;
	shardUsPerMessage: number;
}

function row(users: number, batched: boolean): Row {
	const factor = batched ? batchFactor : 1;
	if (users <= SHARD_CONNECTIONS) {
		return { users, objects: 1, rootUsPerMessage: rootUs + users * singleDeliveryUs * factor, shardUsPerMessage: 0 };
	}
	const objects = Math.ceil(users / SHARD_CONNECTIONS);
	const shards = objects - 1;
	const deliveries = SHARD_CONNECTIONS * shardDeliveryUs * factor;
	return { users, objects, rootUsPerMessage: rootUs + perShardUs * shards + deliveries, shardUsPerMessage: deliveries };
}

const fmt = (n: number, digits = 0) =>
	n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

const lines = [
	"| users | objects (root + shards) | root CPU per message, ms | a shard's CPU per message, ms | messages/s, unbatched | messages/s, batched frames | limit |",
	"|---:|---:|---:|---:|---:|---:|---|",
];
for (const users of USERS) {
	const plain = row(users, false);
	const batched = row(users, true);
	const rate = (r: Row) => CORE_US / Math.max(r.rootUsPerMessage, r.shardUsPerMessage);
	const rootShare = plain.objects > 1 ? (rootUs + perShardUs * (plain.objects - 1)) / plain.rootUsPerMessage : 0;
	const limit =
		plain.objects === 1
			? "the one object"
			: `the root (its calls to shards: ${fmt(rootShare * 100, rootShare < 0.1 ? 1 : 0)} % of its time unbatched)`;
	lines.push(
		`| ${fmt(users)} | ${plain.objects === 1 ? "1" : `1 + ${fmt(plain.objects - 1)}`} | ${fmt(plain.rootUsPerMessage / 1000, 1)} | ${plain.objects === 1 ? "–" : fmt(plain.shardUsPerMessage / 1000, 1)} | ${fmt(rate(plain), rate(plain) < 10 ? 1 : 0)} | ${fmt(rate(batched), rate(batched) < 10 ? 1 : 0)} | ${limit} |`,
	);
}
console.log(lines.join("\n"));
console.log(`
Inputs (${shardedFile.replace(`${process.cwd()}/`, "")}, commit ${shardedRun.machine?.commit}; ${batchedFile.replace(`${process.cwd()}/`, "")}):
- the root's work per shard it calls ${fmt(perShardUs, 0)} µs a message: its process's CPU less idle and less its own sockets' deliveries at a shard's cost each, ${fmt(first.us, 0)} µs with ${first.shards} shards at ${fmt(first.sockets)} sockets (${
	points
		.slice(1)
		.map((p) => `${fmt(p.us, 0)} µs with ${p.shards} at ${fmt(p.sockets)}`)
		.join(", ") || "no other size"
});
- a delivery on a shard ${fmt(shardDeliveryUs, 2)} µs (the root's call to the shard included), at ${fmt(base.sockets)} sockets, in one object ${fmt(singleDeliveryUs, 2)} µs at ${fmt(singleSize.sockets)} (both less idle, unbatched); all in (h)'s saturated steps;
- batched frames multiply a delivery's cost by ${fmt(batchFactor, 2)} (ours' busy room, batched over unbatched CPU per delivery, ${fmt(busy.batchedBusy.eventsPerFrame ?? Number.NaN, 1)} events a frame); the root's calls are not assumed cheaper.`);
