/**
 * Leave grace bookkeeping: which closed connection a returning user takes the place of, how
 * many of theirs still count, and which graces have ended, at any size of room.
 */
import { describe, expect, it } from "vitest";
import { type GraceEntry, GraceList } from "../../src/room/presence/grace";

function entry(connectionId: string, overrides: Partial<GraceEntry> = {}): GraceEntry {
	return { connectionId, userId: "ann", until: 10_000, reason: "close", registeredAt: 1000, ...overrides };
}

function listOf(...entries: GraceEntry[]): GraceList {
	const list = new GraceList();
	for (const each of entries) list.add(each);
	return list;
}

const ids = (entries: readonly GraceEntry[]) => entries.map((each) => each.connectionId);

describe("GraceList.placeFor", () => {
	it("gives the user's closed connection that registered earliest, so joinedAt stays", () => {
		const list = listOf(
			entry("late", { registeredAt: 3000 }),
			entry("first", { registeredAt: 1000 }),
			entry("other-user", { userId: "ben", registeredAt: 500 }),
			entry("middle", { registeredAt: 2000 }),
		);
		expect(list.placeFor("ann")?.connectionId).toBe("first");
		list.delete("first");
		expect(list.placeFor("ann")?.connectionId).toBe("middle");
	});

	it("gives nothing for a user with no connection in grace", () => {
		const list = listOf(entry("a"));
		expect(list.placeFor("ben")).toBeUndefined();
		list.delete("a");
		expect(list.placeFor("ann")).toBeUndefined();
	});
});

describe("GraceList.countFor", () => {
	it("counts a user's connections in grace, and only theirs", () => {
		const list = listOf(entry("a1"), entry("a2"), entry("b1", { userId: "ben" }));
		expect([list.countFor("ann"), list.countFor("ben"), list.countFor("cat")]).toEqual([2, 1, 0]);
		list.delete("a1");
		expect(list.countFor("ann")).toBe(1);
	});
});

describe("GraceList.due", () => {
	it("returns only the graces that have ended at `now`, earliest first", () => {
		const list = listOf(
			entry("c", { until: 3000 }),
			entry("later", { until: 9000 }),
			entry("a", { until: 1000 }),
			entry("b", { until: 2000, userId: "ben" }),
		);
		expect(ids(list.due(3000))).toEqual(["a", "b", "c"]);
		expect(ids(list.due(999))).toEqual([]);
		expect(list.size).toBe(4);
	});
});

describe("GraceList.earliest", () => {
	it("is undefined for an empty list and follows adds of earlier and later graces", () => {
		const list = new GraceList();
		expect(list.earliest()).toBeUndefined();
		list.add(entry("a", { until: 5000 }));
		list.add(entry("b", { until: 7000 }));
		expect(list.earliest()).toBe(5000);
		list.add(entry("c", { until: 2000 }));
		expect(list.earliest()).toBe(2000);
	});

	it("moves on to the next grace when the earliest is deleted, and ignores other deletes", () => {
		const list = listOf(entry("a", { until: 2000 }), entry("b", { until: 5000 }), entry("c", { until: 7000 }));
		list.delete("c");
		expect(list.earliest()).toBe(2000);
		list.delete("a");
		expect(list.earliest()).toBe(5000);
		list.add(entry("d", { until: 6000 }));
		expect(list.earliest()).toBe(5000);
		list.delete("b");
		list.delete("d");
		expect(list.earliest()).toBeUndefined();
	});
});

describe("GraceList.add", () => {
	it("replaces an entry added again under the same connection id", () => {
		const list = listOf(entry("a", { until: 2000 }), entry("b", { until: 5000 }));
		list.add(entry("a", { until: 9000, reason: "timeout", userId: "ben" }));
		expect(list.size).toBe(2);
		expect(list.earliest()).toBe(5000);
		expect([list.countFor("ann"), list.countFor("ben")]).toEqual([1, 1]);
		expect(list.placeFor("ben")).toMatchObject({ connectionId: "a", until: 9000, reason: "timeout" });
		expect(ids(list.due(9000))).toEqual(["b", "a"]);
	});
});

describe("a room of 10,000 coming back after a restart", () => {
	// A restart puts everyone in grace at once: every grace ends at the same time, and the room
	// asks for the next deadline on every event, between one reconnect taking its place and the next.
	it("lets each user take their place back while the next deadline stays right", () => {
		const users = 10_000;
		const list = new GraceList();
		for (let i = 0; i < users; i++) list.add(entry(`c${i}`, { userId: `u${i}`, until: 20_000, registeredAt: i }));
		let taken = 0;
		let deadlineRight = 0;
		for (let i = 0; i < users; i++) {
			const place = list.placeFor(`u${i}`);
			if (place?.connectionId === `c${i}` && list.delete(place.connectionId)) taken++;
			if (list.earliest() === (i < users - 1 ? 20_000 : undefined)) deadlineRight++;
			if (list.due(15_000).length === 0) deadlineRight++;
		}
		expect(taken).toBe(users);
		expect(deadlineRight).toBe(2 * users);
		expect(list.size).toBe(0);
	});
});
