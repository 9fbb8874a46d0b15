/**
 * (1.4) A room's root keeping its directory partition in step, on a clock of its own: what is
 * owed, when a call goes (at once on occupied and vacated, a burst then paced while counts change), retries,
 * a call that never answers, and a partition ahead of the room.
 */
import { describe, expect, it } from "vitest";
import type { OccupancyData } from "../../src/protocol";
import { DirectoryFeed } from "../../src/room/directory/directory-feed";
import {
	afterSend,
	BURST,
	type DirectoryUpdate,
	type FeedView,
	FULL_BUDGET,
	feedWakeAt,
	IN_FLIGHT_MS,
	nextSendAt,
	nextVersion,
	PACE_MS,
	retryDelayMs,
} from "../../src/room/directory/feed-plan";

const T0 = 1_700_000_000_000;
const snapshot = (userCount: number, connectionCount = userCount, occupiedAt = T0) => ({
	userCount,
	connectionCount,
	occupiedAt,
});
/** A budget spent at `at`: the next call may go `PACE_MS` later. */
const spentAt = (at: number) => ({ tokens: 0, at });

function view(overrides: Partial<FeedView> = {}): FeedView {
	return {
		acked: null,
		current: null,
		budget: FULL_BUDGET,
		inFlightSince: undefined,
		retryAt: undefined,
		...overrides,
	};
}

describe("nextSendAt", () => {
	it("owes nothing while the partition has what the room is", () => {
		expect(nextSendAt(view())).toBeUndefined();
		expect(nextSendAt(view({ acked: snapshot(2), current: snapshot(2) }))).toBeUndefined();
	});

	it("sends at once when the room becomes occupied or vacated, whatever was sent before", () => {
		const budget = spentAt(T0);
		expect(nextSendAt(view({ current: snapshot(1), budget }))).toBe(Number.NEGATIVE_INFINITY);
		expect(nextSendAt(view({ acked: snapshot(1), budget }))).toBe(Number.NEGATIVE_INFINITY);
	});

	it("sends changed counts at once while the budget lasts, then when it holds a call again", () => {
		const changed = view({ acked: snapshot(1), current: snapshot(2) });
		expect(nextSendAt(changed)).toBeLessThanOrEqual(T0);
		expect(nextSendAt({ ...changed, budget: { tokens: 1, at: T0 } })).toBe(T0);
		expect(nextSendAt({ ...changed, budget: spentAt(T0) })).toBe(T0 + PACE_MS);
		expect(nextSendAt({ ...changed, budget: { tokens: 0.75, at: T0 } })).toBe(T0 + PACE_MS / 4);
		expect(nextSendAt(view({ acked: snapshot(1), current: snapshot(1, 3), budget: spentAt(T0) }))).toBe(T0 + PACE_MS);
	});

	it("lets BURST calls go at once after a quiet spell, then one every PACE_MS", () => {
		let budget = FULL_BUDGET;
		const sends: number[] = [];
		let now = T0;
		for (let call = 0; call < 20; call += 1) {
			now = Math.max(now, nextSendAt(view({ acked: snapshot(1), current: snapshot(2), budget })) as number);
			budget = afterSend(budget, now);
			sends.push(now);
		}
		expect(sends.slice(0, BURST)).toEqual(new Array(BURST).fill(T0));
		sends.slice(BURST).forEach((at, index) => {
			expect(at).toBeCloseTo(T0 + (index + 1) * PACE_MS, 6);
		});
		// Calls past the budget (a room occupied or vacated) leave it empty, never owing.
		expect(afterSend(afterSend(spentAt(T0), T0), T0)).toEqual(spentAt(T0));
		// A quiet spell fills the budget again, no further than BURST.
		budget = afterSend(budget, now + 60_000);
		expect(budget.tokens).toBe(BURST - 1);
	});

	it("sends nothing while a call is in flight, and waits for a retry's time", () => {
		expect(nextSendAt(view({ current: snapshot(1), inFlightSince: T0 }))).toBeUndefined();
		expect(nextSendAt(view({ current: snapshot(1), retryAt: T0 + 500 }))).toBe(T0 + 500);
	});

	it("sends at once when what the partition holds is not known", () => {
		const budget = spentAt(T0);
		expect(nextSendAt(view({ acked: undefined, current: snapshot(1), budget }))).toBe(Number.NEGATIVE_INFINITY);
		expect(nextSendAt(view({ acked: undefined }))).toBe(Number.NEGATIVE_INFINITY);
	});
});

describe("feedWakeAt", () => {
	it("wakes the room for a call held back, never in the past", () => {
		expect(feedWakeAt(view(), T0)).toBeUndefined();
		const held = view({ acked: snapshot(1), current: snapshot(2), budget: spentAt(T0) });
		expect(feedWakeAt(held, T0 + 100)).toBe(T0 + PACE_MS);
		expect(feedWakeAt(view({ current: snapshot(1), retryAt: T0 + 500 }), T0 + 600)).toBe(T0 + 600);
	});

	it("waits for a call in flight only in a vacant room: nothing else would wake it", () => {
		expect(feedWakeAt(view({ acked: snapshot(1), inFlightSince: T0 }), T0)).toBe(T0 + IN_FLIGHT_MS);
		expect(feedWakeAt(view({ current: snapshot(1), inFlightSince: T0 }), T0)).toBeUndefined();
	});
});

describe("retries and versions", () => {
	it("wait longer after each failure, up to a few seconds", () => {
		const delays = [1, 2, 3, 4, 5, 10].map(retryDelayMs);
		expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 8000]);
	});

	it("are the time, strictly increasing", () => {
		expect(nextVersion(0, T0)).toBe(T0);
		expect(nextVersion(T0, T0)).toBe(T0 + 1);
		expect(nextVersion(T0 + 5, T0)).toBe(T0 + 6);
	});
});

/** A feed over a Map for storage and a partition the test answers by hand. */
function harness() {
	let now = T0;
	let counts: OccupancyData = { userCount: 0, connectionCount: 0 };
	const stored = new Map<string, unknown>();
	const kv = {
		get: (key: string) => stored.get(key),
		put: (key: string, value: unknown) => void stored.set(key, structuredClone(value)),
	} as unknown as SyncKvStorage;
	const calls: { update: DirectoryUpdate; answer: (version: number) => void; fail: () => void }[] = [];
	const failures: string[] = [];
	const build = () =>
		new DirectoryFeed({
			room: "lobby",
			kv,
			prepared: () => true,
			counts: () => counts,
			send: (update) =>
				new Promise<number>((answer, reject) => calls.push({ update, answer, fail: () => reject(new Error("lost")) })),
			waitUntil: () => {},
			changed: () => {},
			now: () => now,
			logFailure: (entryPoint) => void failures.push(entryPoint),
		});
	const feed = build();
	return {
		feed,
		calls,
		failures,
		stored,
		/** A new instance on the same storage, as after an eviction. */
		restart: build,
		set: (userCount: number, connectionCount = userCount) => {
			counts = { userCount, connectionCount };
		},
		pass: (ms: number) => {
			now += ms;
		},
		get now() {
			return now;
		},
		/** Lets every answer given so far reach the feed (a call still unanswered keeps waiting). */
		settle: () => new Promise((resolve) => setTimeout(resolve, 0)),
	};
}

describe("DirectoryFeed", () => {
	it("tells the partition at once that the room is occupied, and nothing more once it acknowledged", async () => {
		const room = harness();
		room.feed.pump();
		expect(room.calls).toEqual([]);
		room.set(1);
		room.feed.pump();
		expect(room.calls.map((call) => call.update)).toEqual([
			{ room: "lobby", version: T0, snapshot: { userCount: 1, connectionCount: 1, occupiedAt: T0 } },
		]);
		expect(room.feed.owed).toBe(true);
		room.calls[0]?.answer(T0);
		await room.settle();
		room.feed.pump();
		expect(room.calls).toHaveLength(1);
		expect(room.feed.wakeAt()).toBeUndefined();
	});

	it("tells a few changes at once, then holds the next one for the alarm", async () => {
		const room = harness();
		for (let users = 1; users <= BURST; users += 1) {
			room.set(users);
			room.feed.pump();
			const call = room.calls.at(-1);
			call?.answer(call.update.version);
			await room.settle();
			room.pass(100);
		}
		expect(room.calls).toHaveLength(BURST);
		expect(room.feed.wakeAt()).toBeUndefined();
		room.set(BURST + 1, BURST + 2);
		room.feed.pump();
		expect(room.calls).toHaveLength(BURST);
		// The budget refilled a little over the 300 ms of the burst: the next call is due before PACE_MS.
		const due = room.feed.wakeAt() as number;
		expect(due).toBeGreaterThan(room.now);
		expect(due).toBeLessThan(room.now + PACE_MS);
		room.pass(due - room.now - 1);
		room.feed.pump();
		expect(room.calls).toHaveLength(BURST);
		room.pass(1);
		room.feed.pump();
		expect(room.calls.at(-1)?.update.snapshot).toEqual({
			userCount: BURST + 1,
			connectionCount: BURST + 2,
			occupiedAt: T0,
		});
	});

	it("tells a vacated room's removal at once, and is owed nothing once it is acknowledged", async () => {
		const room = harness();
		room.set(1);
		room.feed.pump();
		room.calls[0]?.answer(T0);
		await room.settle();
		room.set(0);
		room.pass(10);
		room.feed.pump();
		expect(room.calls[1]?.update).toMatchObject({ snapshot: null, version: T0 + 10 });
		expect(room.feed.owed).toBe(true);
		expect(room.feed.wakeAt()).toBe(T0 + 10 + IN_FLIGHT_MS);
		room.calls[1]?.answer(T0 + 10);
		await room.settle();
		expect(room.feed.owed).toBe(false);
	});

	it("tries a failed call again after a growing delay", async () => {
		const room = harness();
		room.set(1);
		room.feed.pump();
		room.calls[0]?.fail();
		await room.settle();
		expect(room.failures).toEqual(["directory (try 1)"]);
		room.feed.pump();
		expect(room.calls).toHaveLength(1);
		expect(room.feed.wakeAt()).toBe(T0 + retryDelayMs(1));
		room.pass(retryDelayMs(1));
		room.feed.pump();
		expect(room.calls).toHaveLength(2);
		room.calls[1]?.fail();
		await room.settle();
		expect(room.feed.wakeAt()).toBe(room.now + retryDelayMs(2));
	});

	it("gives up on a call that never answers, and ignores its answer if it comes after all", async () => {
		const room = harness();
		room.set(1);
		room.feed.pump();
		room.pass(IN_FLIGHT_MS);
		room.feed.pump();
		room.pass(retryDelayMs(1));
		room.set(2);
		room.feed.pump();
		expect(room.calls).toHaveLength(2);
		room.calls[0]?.answer(room.calls[0].update.version);
		await room.settle();
		expect(room.feed.owed).toBe(true);
		room.calls[1]?.answer(room.calls[1].update.version);
		await room.settle();
		expect(room.stored.get("directory")).toMatchObject({ acked: { userCount: 2 } });
	});

	it("sends again, past it, when the partition answers a newer version than the room's", async () => {
		const room = harness();
		room.set(1);
		room.feed.pump();
		room.calls[0]?.answer(T0 + 60_000);
		await room.settle();
		room.feed.pump();
		expect(room.calls[1]?.update.version).toBe(T0 + 60_001);
	});

	it("after a restart, sends what storage says is owed, with the occupancy's first time", async () => {
		const room = harness();
		room.set(1);
		room.feed.pump();
		room.pass(5000);
		const again = room.restart();
		again.pump();
		expect(room.calls[1]?.update.snapshot).toEqual({ userCount: 1, connectionCount: 1, occupiedAt: T0 });
		room.calls[1]?.answer(room.calls[1].update.version);
		await room.settle();
		room.set(0);
		const third = room.restart();
		expect(third.owed).toBe(true);
		third.pump();
		expect(room.calls[2]?.update.snapshot).toBeNull();
	});
});
