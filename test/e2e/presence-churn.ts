/**
 * Presence churn through raw protocol sockets, for the convergence tests, around late joiners
 * (the caller's observers registering or connecting): rounds played on purpose inside one
 * presence window (a user who joins and leaves, a change and its revert, around the joiners'
 * Register), and random churn from a seed: users join, leave, rejoin, open a second tab, change
 * name and meta (from small sets, so that values come back). Every request waits for its reply,
 * so the steps follow each other a round trip apart: several fall in each presence window.
 */
import { isDeepStrictEqual } from "node:util";
import { expect } from "vitest";
import type { JsonObject, User } from "../../src/protocol";
import { mulberry32 } from "../support/prng";
import { type E2EClient, WAIT_MS } from "./clients";
import { enter, leave, named, openTab, type Tab, update, type View } from "./presence-views";

type Fields = { name?: string; meta?: JsonObject };

/** One interleaving around late joiners' Register: what comes before and after it, and the state it hides. */
export interface Round {
	before(): Promise<void>;
	after(): Promise<void>;
	/** Whether a frame showing this user showed the state between `before` and `after`. */
	middle(user: User): boolean;
}

/** A user who joins and leaves. */
export function flashRound(tab: Tab): Round {
	return {
		before: async () => void (await enter(tab, { name: `Flash of ${tab.userId}`, meta: { seen: false } })),
		after: () => leave(tab),
		middle: (user) => user.userId === tab.userId,
	};
}

/** A present user's name or meta changed, then changed back. */
export function revertRound(tab: Tab, changed: Fields, back: Fields): Round {
	return {
		before: () => update(tab, changed),
		after: () => update(tab, back),
		middle: (user) => user.userId === tab.userId && isDeepStrictEqual({ ...user, ...changed }, user),
	};
}

/**
 * Plays each round around its joiners' Register (start it once the room's last window is over),
 * then waits for the `batched` watcher's frame announcing `marker`, a batched joiner of the round:
 * that window is over too. Answers how many rounds fitted in one window (the watcher never saw
 * their middle state), and each round's time.
 */
export async function playRounds(
	watch: E2EClient,
	rounds: ReadonlyArray<Round & { join(): Promise<void>; marker: string }>,
): Promise<{ fitted: number; report: string }> {
	const report: string[] = [];
	let fitted = 0;
	for (const [index, round] of rounds.entries()) {
		const started = Date.now();
		await round.before();
		await round.join();
		await round.after();
		const spent = Date.now() - started;
		await watch.next("Presence", (frame) => frame.data.joined.some((user) => user.userId === round.marker), WAIT_MS);
		const inOne = ![...named(watch, "joined"), ...named(watch, "updated")].some(round.middle);
		if (inOne) fitted += 1;
		report.push(`round ${index}: ${spent} ms, ${inOne ? "one window" : "two windows"}`);
	}
	return { fitted, report: report.join("; ") };
}

const NAMES = ["Ann", "Bo", "Cy"] as const;
const METAS: readonly JsonObject[] = [{}, { status: "here" }, { status: "away" }, { cursor: { x: 1, y: 2 } }];
/** Users and how many tabs each may open. */
const TABS_PER_USER: Readonly<Record<string, number>> = { u0: 2, u1: 2, u2: 1, u3: 1, u4: 1 };
const FLASHES = ["f0", "f1", "f2"] as const;

// ---- random churn ----------------------------------------------------------------------------

export interface ChurnPlan {
	room: string;
	seed: number;
	steps: number;
	/** One call per late joiner, each at its own step; each resolves when the observer's Register is on its way or answered. */
	joiners: ReadonlyArray<() => Promise<void>>;
}

export interface Churned {
	/** Every raw tab, flashes included, as it ended. */
	tabs: Tab[];
	/** Every userId the churn ever registered. */
	everyone: string[];
	/** The users who joined and left around a late joiner's Register. */
	flashed: string[];
}

export async function churn(plan: ChurnPlan): Promise<Churned> {
	const random = mulberry32(plan.seed);
	const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
	const tabs: Tab[] = [];
	for (const [userId, count] of Object.entries(TABS_PER_USER)) {
		for (let tab = 0; tab < count; tab += 1) tabs.push(await openTab(plan.room, userId));
	}
	const flashes = await Promise.all(FLASHES.map((userId) => openTab(plan.room, userId)));
	const everyone = new Set<string>();
	const flashed = new Set<string>();
	const fields = (): Fields => {
		const choice = random();
		if (choice < 0.2) return {};
		if (choice < 0.5) return { name: pick(NAMES) };
		if (choice < 0.8) return { meta: pick(METAS) };
		return { name: pick(NAMES), meta: pick(METAS) };
	};
	// Late joiners at evenly spread steps, each around a user who joins just before and leaves just after.
	const joinerAt = new Map(
		plan.joiners.map((joiner, index) => [Math.floor(((index + 0.5) * plan.steps) / plan.joiners.length), joiner]),
	);
	for (let step = 0; step < plan.steps; step += 1) {
		const joiner = joinerAt.get(step);
		if (joiner) {
			const flash = pick(flashes);
			await enter(flash, fields());
			await joiner();
			await leave(flash);
			flashed.add(flash.userId);
		}
		const tab = pick(tabs);
		const roll = random();
		everyone.add(tab.userId);
		if (!tab.registered) await enter(tab, fields());
		else if (roll < 0.35) await leave(tab);
		else {
			const changes = fields();
			await update(tab, Object.keys(changes).length > 0 ? changes : { meta: pick(METAS) });
		}
	}
	return { tabs: [...tabs, ...flashes], everyone: [...everyone, ...flashed].sort(), flashed: [...flashed].sort() };
}

/** The room's HTTP answer agrees with what the churn's replies said: who is present, with how many tabs. */
export function expectRoomMatches(room: View, churned: Churned): void {
	const tabsOf = new Map<string, number>();
	for (const tab of churned.tabs) if (tab.registered) tabsOf.set(tab.userId, (tabsOf.get(tab.userId) ?? 0) + 1);
	const shown = room.users
		.filter((user) => churned.everyone.includes(user.userId))
		.map((user) => [user.userId, user.connections]);
	expect(shown).toEqual([...tabsOf].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Users the churn registered who are not in the room now: they must be on no observer's roster. */
export function absentOf(room: View, churned: Churned): string[] {
	return churned.everyone.filter((userId) => !room.users.some((user) => user.userId === userId));
}
