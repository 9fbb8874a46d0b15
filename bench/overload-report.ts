/**
 * Scenario (j)'s part of the report (load/overload.ts): each server's medians over rounds for each
 * load, the table's rows, and `overloadMessageP99Ms`, ours' message p99 under the worse of the two
 * loads. Kept apart from report.ts so that each stays one screenful of one idea.
 */
import { FLOOD_KINDS, type FloodKind } from "./load/flood.ts";
import type { OverloadStep } from "./load/overload.ts";
import type { Settings } from "./load/settings.ts";
import { median, Samples, summarize } from "./load/stats.ts";

/** One load's figures of one server: medians over rounds, and the p99 over every round's deliveries. */
function loadMedians(steps: OverloadStep[]) {
	const of = (get: (s: OverloadStep) => number) => median(steps.map(get));
	return {
		p50: of((s) => s.latencyMs.p50),
		p95: of((s) => s.latencyMs.p95),
		p99: of((s) => s.latencyMs.p99),
		p99AllRounds: p99AllRounds(steps),
		lost: of((s) => s.lost),
		/** As a percentage, for the table. */
		refusedPercent: of((s) => s.refusedShare * 100),
		floodDeliveriesPerSecond: of((s) => s.floodDeliveriesPerSecond),
	};
}
export type OverloadMedians = Record<FloodKind, ReturnType<typeof loadMedians>>;

/**
 * The p99 of every message delivery of the steps together, a lost one at the time it had waited
 * (load/message-book.ts); null without any. Saved runs keep no samples (resummarize.ts).
 */
function p99AllRounds(steps: OverloadStep[]): number | null {
	const all = new Samples();
	for (const step of steps) if (step.samples) all.add(step.samples);
	return all.length ? summarize(all).p99 : null;
}

export function overloadMedians(name: string, steps: OverloadStep[]): OverloadMedians {
	const mine = steps.filter((s) => s.server === name);
	return {
		signal: loadMedians(mine.filter((s) => s.flood === "signal")),
		update: loadMedians(mine.filter((s) => s.flood === "update")),
	};
}

/**
 * `overloadMessageP99Ms`: ours' message p99 over every round's deliveries of each load, the worse
 * of the two loads (the room must hold under either); null when ours ran neither.
 */
export function overloadMessageP99(ours: OverloadMedians | undefined): number | null {
	const p99s = FLOOD_KINDS.map((flood) => ours?.[flood].p99AllRounds).filter((p): p is number => typeof p === "number");
	return p99s.length ? Math.max(...p99s) : null;
}

/** The table's rows for (j), read from a server's `OverloadMedians`. */
export function overloadRows(settings: Settings) {
	const n = settings.overloadMembers;
	const loads: [FloodKind, string][] = [
		["signal", `signals ${settings.floodSignalRate}/s from each of ${n}`],
		["update", `UpdateUser ${settings.floodUpdateRate}/s from each of ${n}`],
	];
	return loads.flatMap(([flood, load]) => {
		const row = (what: string, get: (m: OverloadMedians[FloodKind]) => number | null, digits: number) => ({
			label: `(j) overload, ${load}: ${what}`,
			get: (m: OverloadMedians) => get(m[flood]),
			digits,
		});
		return [
			row("message p50 ms", (m) => m.p50, 1),
			row("message p95 ms", (m) => m.p95, 1),
			row("message p99 ms", (m) => m.p99, 1),
			row("message p99 ms, all rounds' deliveries", (m) => m.p99AllRounds, 1),
			row("message deliveries lost", (m) => m.lost, 0),
			row("flood refused, %", (m) => m.refusedPercent, 1),
			row("flood deliveries/s", (m) => m.floodDeliveriesPerSecond, 0),
		];
	});
}
