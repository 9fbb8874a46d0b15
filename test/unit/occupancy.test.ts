/**
 * What each `count` connection was last told, and when it hears the room's counts (1.2): whenever
 * they differ from those it was last told (its Registered, which tells no connection count, or an
 * Occupancy), at once for the first frame and then at most once per interval.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { OccupancyData } from "../../src/protocol";
import { OccupancyLedger, type ToldCounts } from "../../src/room/presence/occupancy";

const INTERVAL_MS = 1000;

const counts = (userCount: number, connectionCount = userCount): OccupancyData => ({ userCount, connectionCount });
/** What a Registered tells: the user count, no connection count. */
const registered = (userCount: number): ToldCounts => ({ userCount, connectionCount: undefined });

describe("OccupancyLedger", () => {
	it("has nothing to send with no member, or when every member was told the counts", () => {
		const ledger = new OccupancyLedger<string>();
		expect(ledger.sendAt(counts(3), 5000, INTERVAL_MS)).toBeUndefined();
		expect(ledger.flush(counts(3), 5000)).toEqual([]);
		ledger.told("a", counts(3, 4));
		ledger.told("b", counts(3, 4));
		expect(ledger.sendAt(counts(3, 4), 5000, INTERVAL_MS)).toBeUndefined();
		expect(ledger.flush(counts(3, 4), 5000)).toEqual([]);
	});

	it("owes a connection that only had its Registered the connection count, at once", () => {
		const ledger = new OccupancyLedger<string>();
		ledger.told("a", registered(3));
		expect(ledger.lastTold("a")).toEqual(registered(3));
		expect(ledger.sendAt(counts(3, 3), 5000, INTERVAL_MS)).toBe(5000);
		expect(ledger.flush(counts(3, 3), 5000)).toEqual(["a"]);
		expect(ledger.lastTold("a")).toEqual(counts(3, 3));
		expect(ledger.sendAt(counts(3, 3), 5001, INTERVAL_MS)).toBeUndefined();
	});

	it("flushes only the members told other counts, and counts them told the current ones", () => {
		const ledger = new OccupancyLedger<string>();
		ledger.told("current", counts(2, 3));
		ledger.told("stale", counts(1, 1));
		ledger.told("new", registered(2));
		expect(ledger.flush(counts(2, 3), 7000).sort()).toEqual(["new", "stale"]);
		for (const member of ledger.members()) expect(ledger.lastTold(member)).toEqual(counts(2, 3));
	});

	it("hears a second tab: only the connection count changed", () => {
		const ledger = new OccupancyLedger<string>();
		ledger.told("a", counts(3, 3));
		expect(ledger.sendAt(counts(3, 4), 7000, INTERVAL_MS)).toBe(7000);
		expect(ledger.flush(counts(3, 4), 7000)).toEqual(["a"]);
	});

	it("holds a change within the interval after a frame until the interval is over, then sends at once", () => {
		const ledger = new OccupancyLedger<string>();
		ledger.told("a", counts(3));
		ledger.flush(counts(4), 5000);
		expect(ledger.sendAt(counts(5), 5001, INTERVAL_MS)).toBe(6000);
		expect(ledger.sendAt(counts(2), 5999, INTERVAL_MS)).toBe(6000);
		expect(ledger.sendAt(counts(5), 6000, INTERVAL_MS)).toBe(6000);
		expect(ledger.sendAt(counts(5), 9000, INTERVAL_MS)).toBe(9000);
	});

	it("a flush that sends nothing does not start an interval", () => {
		const ledger = new OccupancyLedger<string>();
		ledger.told("a", counts(3));
		expect(ledger.flush(counts(3), 5000)).toEqual([]);
		expect(ledger.sendAt(counts(4), 5001, INTERVAL_MS)).toBe(5001);
	});

	it("a connection that registers while a user joins and leaves within a second hears the counts again", () => {
		const ledger = new OccupancyLedger<string>();
		ledger.told("old", counts(3));
		// A user joins: "new" registers and is told 4 users; the user leaves before the next frame.
		ledger.told("new", registered(4));
		expect(ledger.sendAt(counts(3), 5500, INTERVAL_MS)).toBe(5500);
		expect(ledger.flush(counts(3), 5500)).toEqual(["new"]);
		expect(ledger.lastTold("new")).toEqual(counts(3));
	});

	it("forgets a member, and a re-registration replaces what it was told", () => {
		const ledger = new OccupancyLedger<string>();
		ledger.told("a", counts(1));
		ledger.told("b", counts(2));
		ledger.forget("b");
		ledger.forget("nobody");
		expect([ledger.size, [...ledger.members()], ledger.lastTold("b")]).toEqual([1, ["a"], undefined]);
		expect(ledger.sendAt(counts(1), 5000, INTERVAL_MS)).toBeUndefined();
		ledger.told("a", counts(2));
		expect(ledger.size).toBe(1);
		expect(ledger.sendAt(counts(1), 5000, INTERVAL_MS)).toBe(5000);
		expect(ledger.sendAt(counts(2), 5000, INTERVAL_MS)).toBeUndefined();
	});

	it("agrees with a plain map of what each member was told, whatever the sequence", () => {
		const told = fc.oneof(fc.constant(undefined), fc.nat({ max: 3 }));
		const step = fc.record({
			member: fc.constantFrom("a", "b", "c", "d"),
			op: fc.constantFrom("told" as const, "forget" as const, "flush" as const),
			userCount: fc.nat({ max: 3 }),
			connectionCount: told,
			dt: fc.nat({ max: 1500 }),
		});
		fc.assert(
			fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
				const ledger = new OccupancyLedger<string>();
				const model = new Map<string, ToldCounts>();
				let now = 0;
				let lastSentAt: number | undefined;
				for (const { member, op, userCount, connectionCount, dt } of steps) {
					now += dt;
					const current = counts(userCount, connectionCount ?? userCount);
					const due = [...model].filter(
						([, c]) => c.userCount !== userCount || c.connectionCount !== current.connectionCount,
					);
					const expectedAt =
						due.length === 0 ? undefined : Math.max(now, (lastSentAt ?? now - INTERVAL_MS) + INTERVAL_MS);
					expect(ledger.sendAt(current, now, INTERVAL_MS)).toBe(expectedAt);
					if (op === "told") {
						ledger.told(member, { userCount, connectionCount });
						model.set(member, { userCount, connectionCount });
					} else if (op === "forget") {
						ledger.forget(member);
						model.delete(member);
					} else {
						expect(ledger.flush(current, now).sort()).toEqual(due.map(([m]) => m).sort());
						for (const [m] of due) model.set(m, current);
						if (due.length > 0) lastSentAt = now;
					}
					expect(new Map([...ledger.members()].map((m) => [m, ledger.lastTold(m)]))).toEqual(model);
				}
			}),
			{ seed: 24, numRuns: 300 },
		);
	});
});
