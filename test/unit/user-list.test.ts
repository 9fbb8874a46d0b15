import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { User } from "../../src/protocol";
import { rosterOrder, UserList } from "../../src/room/user-list";

function user(userId: string, joinedAt: number, overrides: Partial<User> = {}): User {
	return Object.freeze({ userId, name: userId, meta: {}, connections: 1, joinedAt, ...overrides });
}

describe("UserList", () => {
	it("starts empty", () => {
		const list = new UserList();
		expect(list.size).toBe(0);
		expect(list.snapshot()).toEqual([]);
		expect(list.json()).toBe("[]");
	});

	it("keeps roster order whatever order users arrive in, ties by userId", () => {
		const list = new UserList();
		for (const u of [user("c", 3), user("a", 1), user("b", 3), user("d", 2)]) list.replace(undefined, u);
		expect(list.snapshot().map((u) => u.userId)).toEqual(["a", "d", "b", "c"]);
		expect(list.json()).toBe(JSON.stringify(list.snapshot()));
	});

	it("moves a user whose joinedAt changed, and replaces one in place otherwise", () => {
		const list = new UserList();
		const a = user("a", 1);
		const b = user("b", 2);
		list.replace(undefined, a);
		list.replace(undefined, b);
		const renamed = user("a", 1, { name: "Ann" });
		list.replace(a, renamed);
		expect(list.snapshot()).toEqual([renamed, b]);
		const later = user("a", 5, { name: "Ann" });
		list.replace(renamed, later);
		expect(list.snapshot()).toEqual([b, later]);
		list.replace(later, undefined);
		expect(list.json()).toBe(JSON.stringify([b]));
	});

	it("foretells a change's JSON without changing, and the change then lists exactly that", () => {
		const list = new UserList();
		const a = user("a", 1);
		list.replace(undefined, a);
		const snapshot = list.snapshot();
		const b = user("b", 2);
		const foretold = list.jsonWith(undefined, b);
		expect(list.snapshot()).toBe(snapshot);
		expect(list.json()).toBe(JSON.stringify([a]));
		list.replace(undefined, b);
		expect(list.json()).toBe(foretold);
		expect(foretold).toBe(JSON.stringify([a, b]));
	});

	it("hands out the same frozen snapshot until the next change", () => {
		const list = new UserList();
		list.replace(undefined, user("a", 1));
		const first = list.snapshot();
		expect(Object.isFrozen(first)).toBe(true);
		expect(list.snapshot()).toBe(first);
		list.replace(undefined, user("b", 2));
		expect(list.snapshot()).not.toBe(first);
		expect(first.map((u) => u.userId)).toEqual(["a"]);
	});

	it("refuses to replace a user it does not hold", () => {
		expect(() => new UserList().replace(user("a", 1), undefined)).toThrow();
	});

	it("agrees with a sorted model through any changes, foretold or not", () => {
		const step = fc.record({
			userId: fc.constantFrom("a", "b", "c", "d", "e"),
			joinedAt: fc.integer({ min: 0, max: 4 }),
			name: fc.constantFrom("x", "y"),
			leave: fc.boolean(),
			foretell: fc.boolean(),
		});
		fc.assert(
			fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
				const list = new UserList();
				const model = new Map<string, User>();
				for (const { userId, joinedAt, name, leave, foretell } of steps) {
					const before = model.get(userId);
					const after = leave ? undefined : user(userId, joinedAt, { name });
					if (after) model.set(userId, after);
					else model.delete(userId);
					const expected = [...model.values()].sort(rosterOrder);
					if (foretell) expect(list.jsonWith(before, after)).toBe(JSON.stringify(expected));
					list.replace(before, after);
					expect(list.snapshot()).toEqual(expected);
					expect(list.json()).toBe(JSON.stringify(expected));
					expect(list.size).toBe(expected.length);
				}
			}),
		);
	});
});
