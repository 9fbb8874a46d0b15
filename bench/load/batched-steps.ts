/**
 * Batched frames' steps (load/batched.ts) and what the report pairs of them (batched-report.ts),
 * as plain functions: the settings of the wide and busy steps, the mean batch, and the steps of
 * ours and of another server from the rounds both ran. Only a type import of the import-free
 * settings.ts, and the results by their shape, so that the unit tests can load it under any tsconfig.
 */
import type { Settings } from "./settings.ts";

/** A step of (c) or (g) (throughput.ts's `StepResult`), by what is read here. */
interface Step extends Framed {
	kind: "fixed" | "saturated";
}

/** One server's result of a round (scenarios.ts's `ServerResult`), by what is read here. */
interface Round {
	server: string;
	round: number;
}

/** The settings of the wide saturated steps in a room of `sockets`: every other socket receives. */
export function wideSettings(settings: Settings, sockets: number): Settings {
	return {
		...settings,
		warmUpSteps: settings.batchedWarmUpSteps,
		fixedSteps: 0,
		samples: settings.wideSamples,
		saturationWindow: settings.wideWindowMessages * (sockets - 1),
	};
}

/** The settings of the busy room's fixed steps. */
export function busySettings(settings: Settings): Settings {
	return {
		...settings,
		warmUpSteps: settings.batchedWarmUpSteps,
		fixedSteps: settings.busySteps,
		samples: 0,
		fixedRate: settings.busyRate,
	};
}

/** Frames and the events in them, of a step or of a fan-out. */
export interface Framed {
	frames?: number;
	events?: number;
}

/** Events per frame over several steps or fan-outs together; null without frames (runs saved before they were counted). */
export function meanBatch(items: readonly (Framed | null | undefined)[]): number | null {
	let frames = 0;
	let events = 0;
	for (const item of items) {
		if (typeof item?.frames !== "number" || typeof item.events !== "number") continue;
		frames += item.frames;
		events += item.events;
	}
	return frames > 0 ? events / frames : null;
}

export function stepsOf<S extends Step>(result: { steps: S[] } | null | undefined, kind: Step["kind"]): S[] {
	return result?.steps.filter((s) => s.kind === kind) ?? [];
}

/** Ours' result of each round with `other`'s of the same round, for the rounds both have. */
export function sameRounds<R extends Round>(scenarios: readonly R[], other: string): [R, R][] {
	const found: [R, R][] = [];
	for (const mine of scenarios) {
		if (mine.server !== "ours") continue;
		const theirs = scenarios.find((r) => r.server === other && r.round === mine.round);
		if (theirs) found.push([mine, theirs]);
	}
	return found;
}

type Pick<R, S> = (r: R) => { steps: S[] } | null | undefined;

/**
 * Ours' steps of one kind (from `mine`) and `other`'s (from `theirs`), from the rounds in which both
 * have such steps: a round one of them lost would otherwise weigh on one side only.
 */
export function pairedSteps<R extends Round, S extends Step>(
	scenarios: readonly R[],
	other: string,
	mine: Pick<R, S>,
	theirs: Pick<R, S>,
	kind: Step["kind"],
): { ours: S[]; theirs: S[] } {
	const found = { ours: [] as S[], theirs: [] as S[] };
	for (const [a, b] of sameRounds(scenarios, other)) {
		const x = stepsOf(mine(a), kind);
		const y = stepsOf(theirs(b), kind);
		if (!x.length || !y.length) continue;
		found.ours.push(...x);
		found.theirs.push(...y);
	}
	return found;
}

/** Each fixed step of ours with `other`'s of the same round and place (the i-th with the i-th: they ran in turn). */
export function pairedFixedSteps<R extends Round, S extends Step>(
	scenarios: readonly R[],
	other: string,
	mine: Pick<R, S>,
	theirs: Pick<R, S>,
): [S, S][] {
	const found: [S, S][] = [];
	for (const [a, b] of sameRounds(scenarios, other)) {
		const y = stepsOf(theirs(b), "fixed");
		stepsOf(mine(a), "fixed").forEach((s, i) => {
			const match = y[i];
			if (match) found.push([s, match]);
		});
	}
	return found;
}
