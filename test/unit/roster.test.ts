import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { User } from "../../src/protocol";
import { aggregateUser, type Identity, Roster, userChanged } from "../../src/room/roster";

function identity(overrides: Partial<Identity> = {}): Identity {
	return { userId: "alice", name: "Alice", meta: {}, registeredAt: 1000, updatedAt: 1000, ...overrides };
}

function user(overrides: Partial<User> = {}): User {
	return { userId: "alice", name: "Alice", meta: {}, connections: 1, joinedAt: 1000, ...overrides };
}

// ---- aggregateUser ----------------------------------------------------------

describe("aggregateUser", () => {
	it("turns one connection into a user with connections 1", () => {
		const tab = identity({ meta: { color: "red" }, registeredAt: 1500, updatedAt: 1700 });
		expect(aggregateUser([tab])).toEqual({
			userId: "alice",
			name: "Alice",
			meta: { color: "red" },
			connections: 1,
			joinedAt: 1500,
		});
	});

	it("has exactly the User fields (no registeredAt / updatedAt leak to the wire)", () => {
		expect(Object.keys(aggregateUser([identity()])).sort()).toEqual([
			"connections",
			"joinedAt",
			"meta",
			"name",
			"userId",
		]);
	});

	it("counts two tabs as connections 2", () => {
		const tabs = [identity({ registeredAt: 1000 }), identity({ registeredAt: 2000 })];
		expect(aggregateUser(tabs).connections).toBe(2);
	});

	it("takes joinedAt from the earliest registration, whatever the order", () => {
		const tabs = [identity({ registeredAt: 3000 }), identity({ registeredAt: 1000 }), identity({ registeredAt: 2000 })];
		expect(aggregateUser(tabs).joinedAt).toBe(1000);
	});

	it("takes name and meta from the most recently updated tab, not the latest registered", () => {
		const first = identity({ name: "Old", meta: { v: 1 }, registeredAt: 1000, updatedAt: 5000 });
		const second = identity({ name: "New", meta: { v: 2 }, registeredAt: 2000, updatedAt: 2000 });
		const result = aggregateUser([second, first]);
		expect(result.name).toBe("Old");
		expect(result.meta).toEqual({ v: 1 });
	});

	it("takes name and meta from the most recently updated tab when it comes last", () => {
		const tabs = [
			identity({ name: "A1", meta: { v: 1 }, updatedAt: 1000 }),
			identity({ name: "A2", meta: { v: 2 }, updatedAt: 3000 }),
		];
		expect(aggregateUser(tabs)).toMatchObject({ name: "A2", meta: { v: 2 } });
	});

	it("does not mix name from one tab with meta from another", () => {
		const tabs = [
			identity({ name: "N1", meta: { from: 1 }, updatedAt: 2000 }),
			identity({ name: "N2", meta: { from: 2 }, updatedAt: 1000 }),
		];
		expect(aggregateUser(tabs)).toMatchObject({ name: "N1", meta: { from: 1 } });
	});

	it("accepts any iterable, such as a Map's values", () => {
		const tabs = new Map([
			["c1", identity({ registeredAt: 10 })],
			["c2", identity({ registeredAt: 20 })],
		]);
		expect(aggregateUser(tabs.values())).toMatchObject({ connections: 2, joinedAt: 10 });
	});

	it("ignores lastKnown when there are connections", () => {
		const lastKnown = identity({ name: "Ghost", registeredAt: 1 });
		expect(aggregateUser([identity({ name: "Live", registeredAt: 50 })], lastKnown)).toMatchObject({
			name: "Live",
			joinedAt: 50,
			connections: 1,
		});
	});

	it("gives connections 0 for no connections, from the last known identity", () => {
		const lastKnown = identity({ name: "Alice", meta: { x: 1 }, registeredAt: 1234, updatedAt: 5678 });
		expect(aggregateUser([], lastKnown)).toEqual({
			userId: "alice",
			name: "Alice",
			meta: { x: 1 },
			connections: 0,
			joinedAt: 1234,
		});
	});

	it("throws for no connections and no last known identity", () => {
		expect(() => aggregateUser([])).toThrow();
	});
});

// ---- userChanged ------------------------------------------------------------

describe("userChanged", () => {
	it("is false for identical users", () => {
		expect(userChanged(user(), user())).toBe(false);
	});

	it("is false for equal meta in distinct objects", () => {
		expect(userChanged(user({ meta: { a: [1, 2] } }), user({ meta: { a: [1, 2] } }))).toBe(false);
	});

	it("is true when the name changes", () => {
		expect(userChanged(user({ name: "Alice" }), user({ name: "Alicia" }))).toBe(true);
	});

	it("is true when meta changes", () => {
		expect(userChanged(user({ meta: { color: "red" } }), user({ meta: { color: "blue" } }))).toBe(true);
	});

	it("is true when a meta key is added", () => {
		expect(userChanged(user({ meta: {} }), user({ meta: { color: "red" } }))).toBe(true);
	});

	it("is true when a nested meta value changes", () => {
		expect(userChanged(user({ meta: { a: { b: 1 } } }), user({ meta: { a: { b: 2 } } }))).toBe(true);
	});

	it("is true when connections changes", () => {
		expect(userChanged(user({ connections: 1 }), user({ connections: 2 }))).toBe(true);
	});

	it("is true when joinedAt changes", () => {
		expect(userChanged(user({ joinedAt: 1000 }), user({ joinedAt: 999 }))).toBe(true);
	});
});

// ---- Roster -----------------------------------------------------------------

describe("Roster", () => {
	it("starts empty", () => {
		const roster = new Roster<string>();
		expect(roster.size).toBe(0);
		expect(roster.users()).toEqual([]);
		expect(roster.has("alice")).toBe(false);
		expect(roster.user("alice")).toBeUndefined();
		expect([...roster.connectionsOf("alice")]).toEqual([]);
	});

	it("holds one user with one tab", () => {
		const roster = new Roster<string>();
		roster.add("c1", identity({ registeredAt: 1000 }));
		expect(roster.size).toBe(1);
		expect(roster.has("alice")).toBe(true);
		expect(roster.user("alice")).toEqual(user({ connections: 1, joinedAt: 1000 }));
		expect([...roster.connectionsOf("alice")]).toEqual(["c1"]);
	});

	it("counts a second tab of the same user as one user with connections 2", () => {
		const roster = new Roster<string>();
		roster.add("c1", identity({ registeredAt: 1000, updatedAt: 1000 }));
		roster.add("c2", identity({ registeredAt: 2000, updatedAt: 2000 }));
		expect(roster.size).toBe(1);
		expect(roster.user("alice")).toMatchObject({ connections: 2, joinedAt: 1000 });
		expect([...roster.connectionsOf("alice")].sort()).toEqual(["c1", "c2"]);
	});

	it("takes name/meta from the most recently updated of two tabs", () => {
		const roster = new Roster<string>();
		roster.add("c1", identity({ name: "Tab1", meta: { t: 1 }, registeredAt: 1000, updatedAt: 3000 }));
		roster.add("c2", identity({ name: "Tab2", meta: { t: 2 }, registeredAt: 2000, updatedAt: 2000 }));
		expect(roster.user("alice")).toMatchObject({ name: "Tab1", meta: { t: 1 }, joinedAt: 1000 });
	});

	it("replaces a tab's identity when the same key is added again (re-register)", () => {
		const roster = new Roster<string>();
		roster.add("c1", identity({ name: "Before", registeredAt: 1000, updatedAt: 1000 }));
		roster.add("c1", identity({ name: "After", registeredAt: 1000, updatedAt: 2000 }));
		expect(roster.user("alice")).toMatchObject({ name: "After", connections: 1 });
	});

	it("shows the tab changed last when two tabs changed in the same millisecond", () => {
		const roster = new Roster<string>();
		roster.add("c1", identity({ name: "Laptop", registeredAt: 1000, updatedAt: 1000 }));
		roster.add("c2", identity({ name: "Phone", registeredAt: 2000, updatedAt: 2000 }));
		// The laptop registers again with a new name, in the millisecond the phone joined.
		roster.add("c1", identity({ name: "Laptop 2", registeredAt: 1000, updatedAt: 2000 }));
		expect(roster.user("alice")).toMatchObject({ name: "Laptop 2", connections: 2 });
		const change = roster.preview("c2", identity({ name: "Phone 2", registeredAt: 2000, updatedAt: 2000 }));
		expect(change.user.name).toBe("Phone 2");
		roster.apply(change);
		expect(roster.user("alice")).toMatchObject({ name: "Phone 2", connections: 2 });
	});

	it("keeps the user when one of two tabs is removed", () => {
		const roster = new Roster<string>();
		roster.add("c1", identity({ registeredAt: 1000 }));
		roster.add("c2", identity({ registeredAt: 2000 }));
		roster.remove("c1", "alice");
		expect(roster.has("alice")).toBe(true);
		expect(roster.user("alice")).toMatchObject({ connections: 1, joinedAt: 2000 });
		expect([...roster.connectionsOf("alice")]).toEqual(["c2"]);
	});

	it("removes the user with the last tab", () => {
		const roster = new Roster<string>();
		roster.add("c1", identity());
		roster.add("c2", identity());
		roster.remove("c1", "alice");
		roster.remove("c2", "alice");
		expect(roster.has("alice")).toBe(false);
		expect(roster.user("alice")).toBeUndefined();
		expect(roster.size).toBe(0);
		expect(roster.users()).toEqual([]);
	});

	it("ignores removing an unknown user", () => {
		const roster = new Roster<string>();
		roster.add("c1", identity());
		roster.remove("c1", "bob");
		expect(roster.user("alice")).toMatchObject({ connections: 1 });
	});

	it("ignores removing an unknown key of a known user", () => {
		const roster = new Roster<string>();
		roster.add("c1", identity());
		roster.remove("c9", "alice");
		expect(roster.user("alice")).toMatchObject({ connections: 1 });
	});

	it("keeps users apart", () => {
		const roster = new Roster<string>();
		roster.add("c1", identity({ userId: "alice" }));
		roster.add("c2", identity({ userId: "bob", name: "Bob" }));
		roster.remove("c1", "alice");
		expect(roster.has("alice")).toBe(false);
		expect(roster.user("bob")).toMatchObject({ name: "Bob", connections: 1 });
		expect(roster.size).toBe(1);
	});

	it("lists users by joinedAt, earliest first", () => {
		const roster = new Roster<string>();
		roster.add("c1", identity({ userId: "carol", registeredAt: 3000 }));
		roster.add("c2", identity({ userId: "alice", registeredAt: 2000 }));
		roster.add("c3", identity({ userId: "bob", registeredAt: 1000 }));
		expect(roster.users().map((u) => u.userId)).toEqual(["bob", "alice", "carol"]);
	});

	it("breaks joinedAt ties by userId", () => {
		const roster = new Roster<string>();
		roster.add("c1", identity({ userId: "carol", registeredAt: 1000 }));
		roster.add("c2", identity({ userId: "alice", registeredAt: 1000 }));
		roster.add("c3", identity({ userId: "bob", registeredAt: 1000 }));
		expect(roster.users().map((u) => u.userId)).toEqual(["alice", "bob", "carol"]);
	});

	it("orders a user by the earliest of their tabs", () => {
		const roster = new Roster<string>();
		roster.add("a1", identity({ userId: "alice", registeredAt: 5000 }));
		roster.add("b1", identity({ userId: "bob", registeredAt: 3000 }));
		roster.add("a2", identity({ userId: "alice", registeredAt: 1000 }));
		expect(roster.users().map((u) => [u.userId, u.connections, u.joinedAt])).toEqual([
			["alice", 2, 1000],
			["bob", 1, 3000],
		]);
	});

	it("moves a user later in users() when their earliest tab leaves", () => {
		const roster = new Roster<string>();
		roster.add("a1", identity({ userId: "alice", registeredAt: 1000 }));
		roster.add("b1", identity({ userId: "bob", registeredAt: 2000 }));
		roster.add("a2", identity({ userId: "alice", registeredAt: 3000 }));
		roster.remove("a1", "alice");
		expect(roster.users().map((u) => u.userId)).toEqual(["bob", "alice"]);
	});

	it("returns the same list while the roster is unchanged, and a new one after each change", () => {
		const roster = new Roster<string>();
		roster.add("a1", identity({ userId: "alice", registeredAt: 1000 }));
		const first = roster.users();
		expect(roster.users()).toBe(first);
		roster.add("b1", identity({ userId: "bob", registeredAt: 2000 }));
		const second = roster.users();
		expect(second).not.toBe(first);
		expect(second.map((u) => u.userId)).toEqual(["alice", "bob"]);
		expect(first.map((u) => u.userId)).toEqual(["alice"]);
		roster.remove("a1", "alice");
		expect(roster.users().map((u) => u.userId)).toEqual(["bob"]);
	});

	it("lists a re-registered tab's new name and meta, and a changed tab count, not the cached ones", () => {
		const roster = new Roster<string>();
		roster.add("a1", identity({ userId: "alice", name: "Alice", registeredAt: 1000, updatedAt: 1000 }));
		expect(roster.users()[0]).toMatchObject({ name: "Alice", connections: 1 });
		roster.add("a1", identity({ userId: "alice", name: "Al", meta: { x: 1 }, registeredAt: 1000, updatedAt: 2000 }));
		expect(roster.users()[0]).toMatchObject({ name: "Al", meta: { x: 1 }, connections: 1 });
		roster.add("a2", identity({ userId: "alice", name: "Al", registeredAt: 3000, updatedAt: 1500 }));
		expect(roster.users()[0]).toMatchObject({ name: "Al", connections: 2, joinedAt: 1000 });
		roster.remove("a2", "alice");
		expect(roster.users()[0]).toMatchObject({ connections: 1 });
	});

	it("does not change its list when a removal names no registered connection", () => {
		const roster = new Roster<string>();
		roster.add("a1", identity({ userId: "alice" }));
		const list = roster.users();
		roster.remove("zz", "nobody");
		expect(roster.users()).toBe(list);
	});

	it("hands out a frozen list, so no caller can change what the next one gets", () => {
		const roster = new Roster<string>();
		roster.add("a1", identity({ userId: "alice" }));
		const list = roster.users();
		expect(Object.isFrozen(list)).toBe(true);
		expect(Object.isFrozen(list[0])).toBe(true);
	});

	it("works with object keys, like the room's WebSockets", () => {
		const roster = new Roster<object>();
		const ws1 = {};
		const ws2 = {};
		roster.add(ws1, identity());
		roster.add(ws2, identity());
		roster.remove(ws1, "alice");
		expect([...roster.connectionsOf("alice")]).toEqual([ws2]);
	});
});

describe("Roster.preview", () => {
	const step = fc.record({
		key: fc.constantFrom("c1", "c2", "c3", "c4", "c5"),
		userId: fc.constantFrom("ann", "bob", "cat", "dan"),
		registeredAt: fc.integer({ min: 0, max: 5 }),
		updatedAt: fc.integer({ min: 0, max: 5 }),
		remove: fc.boolean(),
	});

	it("foretells exactly what add() makes of the roster, and changes nothing itself", () => {
		fc.assert(
			fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
				const roster = new Roster<string>();
				const model = new Map<string, Identity>();
				for (const { key, userId, registeredAt, updatedAt, remove } of steps) {
					const previous = model.get(key);
					if (remove) {
						if (previous) roster.remove(key, previous.userId);
						model.delete(key);
						continue;
					}
					if (previous && previous.userId !== userId) continue; // a connection keeps its user
					const next = identity({ userId, name: userId, registeredAt, updatedAt });
					const listBefore = roster.users();
					const change = roster.preview(key, next);
					const foretold = roster.usersJson(change);
					expect(roster.users()).toBe(listBefore);
					expect(roster.usersJson()).toBe(JSON.stringify(listBefore));
					expect(change.before).toEqual(roster.user(userId));
					roster.apply(change);
					model.set(key, next);
					expect(change.user).toEqual(roster.user(userId));
					const rebuilt = new Roster<string>();
					for (const [k, tab] of model) rebuilt.add(k, tab);
					expect(roster.users()).toEqual(rebuilt.users());
					expect(foretold).toBe(JSON.stringify(rebuilt.users()));
					expect(change.userCount).toBe(rebuilt.size);
				}
			}),
		);
	});
});
