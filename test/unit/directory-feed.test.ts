/**
 * (1.4) A room's root keeping its directory partition in step, on a clock of its own: what is
 * owed, when a call goes (at once on occupied and vacated, paced while counts change), retries,
 * a call that never answers, and a partition ahead of the room.
 */
import { describe, expect, it, vi } from "vitest";
import type { OccupancyData } from "../../src/protocol";
import { DirectoryFeed } from "../../src/room/directory/directory-feed";
import {
	type DirectoryUpdate,
	type FeedView,
	feedWake,
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

function view(overrides: Partial<FeedView> = {}): FeedView {
	return {
		acked: null,
		current: null,
		lastSentAt: undefined,
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

	it("sends at once when the room becomes occupied or vacated, whatever the pace", () => {
		expect(nextSendAt(view({ current: snapshot(1), lastSentAt: T0 }))).toBe(Number.NEGATIVE_INFINITY);
		expect(nextSendAt(view({ acked: snapshot(1), lastSentAt: T0 }))).toBe(Number.NEGATIVE_INFINITY);
	});

	it("paces changed counts to one call per PACE_MS", () => {
		const changed = view({ acked: snapshot(1), current: snapshot(2), lastSentAt: T0 });
		expect(nextSendAt(changed)).toBe(T0 + PACE_MS);
		expect(nextSendAt({ ...changed, lastSentAt: undefined })).toBe(Number.NEGATIVE_INFINITY);
		expect(nextSendAt(view({ acked: snapshot(1), current: snapshot(1, 3), lastSentAt: T0 }))).toBe(T0 + PACE_MS);
	});

	it("sends nothing while a call is in flight, and waits for a retry's time", () => {
		expect(nextSendAt(view({ current: snapshot(1), inFlightSince: T0 }))).toBeUndefined();
		expect(nextSendAt(view({ current: snapshot(1), retryAt: T0 + 500 }))).toBe(T0 + 500);
	});

	it("sends at once when what the partition holds is not known", () => {
		expect(nextSendAt(view({ acked: undefined, current: snapshot(1), lastSentAt: T0 }))).toBe(Number.NEGATIVE_INFINITY);
		expect(nextSendAt(view({ acked: undefined }))).toBe(Number.NEGATIVE_INFINITY);
	});
});

describe("feedWake", () => {
	const none = { alarm: undefined, timer: undefined };

	it("paces an occupied room's next call with a timer, never its alarm", () => {
		expect(feedWake(view(), T0)).toEqual(none);
		expect(feedWake(view({ acked: snapshot(1), current: snapshot(2), lastSentAt: T0 }), T0 + 100)).toEqual({
			alarm: undefined,
			timer: T0 + PACE_MS,
		});
	});

	it("retries a failed call from the alarm, never in the past", () => {
		expect(feedWake(view({ current: snapshot(1), retryAt: T0 + 500 }), T0)).toEqual({
			alarm: T0 + 500,
			timer: undefined,
		});
		expect(feedWake(view({ current: snapshot(1), retryAt: T0 }), T0 + 50)).toEqual({
			alarm: T0 + 50,
			timer: undefined,
		});
	});

	it("wakes a vacant room owing its removal from the alarm: nothing else would", () => {
		expect(feedWake(view({ acked: snapshot(1), lastSentAt: T0 }), T0 + 10)).toEqual({
			alarm: T0 + 10,
			timer: undefined,
		});
		expect(feedWake(view({ acked: snapshot(1), inFlightSince: T0 }), T0)).toEqual({
			alarm: T0 + IN_FLIGHT_MS,
			timer: undefined,
		});
	});

	it("leaves an occupied room's call in flight to its answer", () => {
		expect(feedWake(view({ current: snapshot(1), inFlightSince: T0 }), T0)).toEqual(none);
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
	let planned = 0;
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
			changed: () => {
				planned += 1;
			},
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
		/** How many times the feed asked the room to plan again. */
		get planned() {
			return planned;
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

	it("paces count changes with a timer that runs the room's planning when the next call is due", async () => {
		const room = harness();
		room.set(1);
		room.feed.pump();
		room.calls[0]?.answer(T0);
		await room.settle();
		vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
		try {
			room.pass(100);
			room.set(2, 3);
			room.feed.pump();
			expect(room.calls).toHaveLength(1);
			expect(room.feed.wakeAt()).toBeUndefined();
			const planned = room.planned;
			vi.advanceTimersByTime(PACE_MS - 101);
			expect(room.planned).toBe(planned);
			vi.advanceTimersByTime(1);
			expect(room.planned).toBe(planned + 1);
		} finally {
			vi.useRealTimers();
		}
		room.pass(PACE_MS);
		room.feed.pump();
		expect(room.calls[1]?.update.snapshot).toEqual({ userCount: 2, connectionCount: 3, occupiedAt: T0 });
		expect(room.calls[1]?.update.version).toBeGreaterThan(T0);
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
