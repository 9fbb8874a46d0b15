/**
 * The `SUMMARY` of saved runs again, with the report as it is now: `npx node bench/resummarize.ts
 * FILE…` (each a `bench/results/*.json` written by `npm run bench`). Prints one line per file.
 * The ratios of the runs kept in bench/results/ were recomputed this way for bench/README.md, but
 * for 193d498's, saved before (b) had slices, which it cannot read. The latencies themselves are
 * not saved, so `p99Ms` and `overloadMessageP99Ms` are the saved ones (null in runs before (j)).
 */
import { readFileSync } from "node:fs";
import { Samples } from "./load/stats.ts";
import { type Medians, medians, type Runs, summary } from "./report.ts";

for (const file of process.argv.slice(2)) {
	const saved = JSON.parse(readFileSync(file, "utf8"));
	const runs: Runs = saved.runs;
	// Runs from before the join repeats had one join of each mode a round.
	for (const join of runs.joinModes) {
		join.repeatsMs ??= { batched: [join.batched?.ms ?? null], count: [join.count?.ms ?? null] };
	}
	for (const result of runs.scenarios) {
		if (result.fanout) result.fanout.samples = new Samples();
		if (result.throughput) result.throughput.fixedSamples = new Samples();
		if (result.signalThroughput) result.signalThroughput.fixedSamples = new Samples();
	}
	// Runs from before (j) have none.
	runs.overload ??= [];
	// Runs from before (h) have none.
	runs.sharded ??= [];
	// Runs from before (i) have none.
	runs.mqtt ??= [];
	for (const step of runs.overload) step.samples = new Samples();
	const byServer: Record<string, Medians> = {};
	for (const name of Object.keys(saved.servers)) byServer[name] = medians(name, runs, saved.settings);
	const again = {
		...summary(byServer, runs),
		p99Ms: saved.summary.p99Ms,
		overloadMessageP99Ms: saved.summary.overloadMessageP99Ms ?? null,
	};
	console.log(`${file} SUMMARY ${JSON.stringify(again)}`);
}
