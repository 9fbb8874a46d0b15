/**
 * When a `count` connection hears the room's counts: at once for the first change after a quiet
 * second, else once the second is over, and never for counts it already has.
 */
import { describe, expect, it } from "vitest";
import type { OccupancyData } from "../../src/protocol";
import { occupancySendAt } from "../../src/room/presence/occupancy";

const INTERVAL_MS = 1000;

const counts = (userCount: number, connectionCount = userCount): OccupancyData => ({ userCount, connectionCount });

describe("occupancySendAt", () => {
	it("sends the first counts at once", () => {
		expect(occupancySendAt(counts(1), undefined, 5000, INTERVAL_MS)).toBe(5000);
	});

	it("sends nothing when neither count changed since the last frame", () => {
		const lastSent = { counts: counts(3, 4), at: 5000 };
		expect(occupancySendAt(counts(3, 4), lastSent, 5100, INTERVAL_MS)).toBeUndefined();
		expect(occupancySendAt(counts(3, 4), lastSent, 60_000, INTERVAL_MS)).toBeUndefined();
	});

	it("sends when only the connection count changed (a second tab)", () => {
		const lastSent = { counts: counts(3, 3), at: 5000 };
		expect(occupancySendAt(counts(3, 4), lastSent, 7000, INTERVAL_MS)).toBe(7000);
	});

	it("holds a change within the interval until the interval since the last frame is over", () => {
		const lastSent = { counts: counts(3), at: 5000 };
		expect(occupancySendAt(counts(4), lastSent, 5001, INTERVAL_MS)).toBe(6000);
		expect(occupancySendAt(counts(2), lastSent, 5999, INTERVAL_MS)).toBe(6000);
	});

	it("sends a change at once when the interval is over", () => {
		const lastSent = { counts: counts(3), at: 5000 };
		expect(occupancySendAt(counts(4), lastSent, 6000, INTERVAL_MS)).toBe(6000);
		expect(occupancySendAt(counts(4), lastSent, 9000, INTERVAL_MS)).toBe(9000);
	});

	it("keeps frames at least an interval apart over a burst of changes", () => {
		let lastSent: { counts: OccupancyData; at: number } | undefined;
		const sentAt: number[] = [];
		for (let now = 0, users = 1; now < 3000; now += 100, users++) {
			const at = occupancySendAt(counts(users), lastSent, now, INTERVAL_MS);
			if (at === undefined || at > now) continue;
			sentAt.push(at);
			lastSent = { counts: counts(users), at };
		}
		expect(sentAt).toEqual([0, 1000, 2000]);
	});
});
