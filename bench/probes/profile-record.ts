/**
 * `perf record` of a server's workerd processes over a probe's phases, and the split of its
 * samples (`profile-split.ts`) printed per 1,000 deliveries for several servers side by side.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PARTS, type Part, splitProfile } from "./profile-split.ts";

/** For `MINIFLARE_WORKERD_V8_FLAGS`: V8 writes /tmp/perf-PID.map, naming its compiled JavaScript for perf. */
export const V8_PERF_FLAGS = "--perf-basic-prof";

/** Samples a second: prime, so that sampling does not beat with the phases' timers. */
const FREQUENCY = "1999";

export interface Recording {
	name: string;
	pids: number[];
	folder: string;
	perf: ChildProcess;
}

export function recordProfile(name: string, pids: number[]): Recording {
	const folder = mkdtempSync(join(tmpdir(), `profile-${name}-`));
	const perf = spawn("perf", ["record", "-F", FREQUENCY, "-g", "-p", pids.join(","), "-o", join(folder, "perf.data")], {
		stdio: "ignore",
	});
	perf.on("error", (error) => console.log(`perf record for ${name} failed: ${error.message}`));
	return { name, pids, folder, perf };
}

/** Stops the recording and returns `perf script`'s text (the V8 maps must still be in /tmp). */
async function stop(recording: Recording): Promise<string> {
	const { perf, folder, pids } = recording;
	if (perf.exitCode === null) {
		const exited = new Promise((done) => perf.once("exit", done));
		perf.kill("SIGINT");
		await exited;
	}
	try {
		return execFileSync("perf", ["script", "-i", join(folder, "perf.data")], {
			encoding: "utf8",
			maxBuffer: 1 << 30,
			stdio: ["ignore", "pipe", "ignore"],
		});
	} finally {
		rmSync(folder, { recursive: true, force: true });
		for (const pid of pids) rmSync(`/tmp/perf-${pid}.map`, { force: true });
	}
}

/** Prints each part's samples per 1,000 deliveries, one column per recording, then what each part holds. */
export async function printProfiles(
	recordings: Recording[],
	deliveries: number[],
	parts: readonly Part[] = PARTS,
): Promise<void> {
	const splits: Map<string, number>[] = [];
	for (const recording of recordings) splits.push(splitProfile(await stop(recording), parts));
	const per1000 = (count: number, i: number) => ((count * 1000) / (deliveries[i] as number)).toFixed(1);
	const header = ["part", ...recordings.map((r) => `${r.name} samples / 1,000 deliveries`)];
	console.log(`\nperf samples at ${FREQUENCY} Hz, split by where they went:`);
	console.log(`| ${header.join(" | ")} |\n| ${header.map(() => "---").join(" | ")} |`);
	for (const part of [...parts.map((p) => p.name), "total"]) {
		const cells = splits.map((split, i) => {
			const count = part === "total" ? [...split.values()].reduce((a, b) => a + b, 0) : (split.get(part) ?? 0);
			return per1000(count, i);
		});
		console.log(`| ${part} | ${cells.join(" | ")} |`);
	}
	for (const part of parts) console.log(`- ${part.name}: ${part.about}`);
}
