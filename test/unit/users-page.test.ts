import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeUsersCursor, type User, type UsersQuery } from "../../src/protocol";
import { rosterOrder } from "../../src/room/user-list";
import { pageOfUsers, usersPageOf } from "../../src/room/users-page";

function user(userId: string, joinedAt: number): User {
	return Object.freeze({ userId, name: userId, meta: {}, connections: 1, joinedAt });
}

const ROOM = "lobby";
const users = [user("ann", 1), user("bob", 2), user("cy", 2), user("dee", 5), user("eve", 9)];

/** Every page of `list`, `limit` at a time, each asked for with the cursor the one before gave. */
function allPages(list: readonly User[], limit: number): User[][] {
	const pages: User[][] = [];
	let query: UsersQuery = { limit };
	for (;;) {
		const page = usersPageOf(ROOM, list, list.length, query);
		pages.push([...page.users]);
		if (page.cursor === undefined) return pages;
		const after = decodeUsersCursor(ROOM, page.cursor);
		if (!after) throw new Error(`the room refused its own cursor ${page.cursor}`);
		query = { limit, after };
	}
}

describe("pageOfUsers", () => {
	it("gives every user, and no next place, without a limit", () => {
		expect(pageOfUsers(users, {})).toEqual({ users, next: undefined });
	});

	it("gives the first `limit` users and the place of the last of them", () => {
		expect(pageOfUsers(users, { limit: 2 })).toEqual({
			users: users.slice(0, 2),
			next: { joinedAt: 2, userId: "bob" },
		});
	});

	it("continues after a place, ties on joinedAt by userId", () => {
		expect(pageOfUsers(users, { limit: 2, after: { joinedAt: 2, userId: "bob" } })).toEqual({
			users: [users[2], users[3]],
			next: { joinedAt: 5, userId: "dee" },
		});
	});

	it("gives no next place on the last page, nor on a page that ends exactly at the last user", () => {
		expect(pageOfUsers(users, { limit: 3, after: { joinedAt: 2, userId: "cy" } }).next).toBeUndefined();
		expect(pageOfUsers(users, { limit: 5 }).next).toBeUndefined();
		expect(pageOfUsers(users, { limit: 1000 })).toEqual({ users, next: undefined });
	});

	it("continues after a user who left between pages, as if they were still there", () => {
		const withoutBob = users.filter((u) => u.userId !== "bob");
		expect(pageOfUsers(withoutBob, { limit: 2, after: { joinedAt: 2, userId: "bob" } }).users).toEqual([
			users[2],
			users[3],
		]);
	});

	it("puts a user who joined after the first page at the end, where a later page finds them", () => {
		const first = pageOfUsers(users, { limit: 3 });
		const grown = [...users, user("fay", 12)];
		const rest = pageOfUsers(grown, { limit: 10, after: first.next });
		expect(rest.users.map((u) => u.userId)).toEqual(["dee", "eve", "fay"]);
	});

	it("gives an empty page after the last user, and for an empty room", () => {
		expect(pageOfUsers(users, { limit: 2, after: { joinedAt: 9, userId: "eve" } })).toEqual({
			users: [],
			next: undefined,
		});
		expect(pageOfUsers([], { limit: 2 })).toEqual({ users: [], next: undefined });
	});

	it("gives every user after a place when the query has a cursor but no limit", () => {
		expect(pageOfUsers(users, { after: { joinedAt: 2, userId: "bob" } }).users).toEqual(users.slice(2));
	});
});

describe("usersPageOf", () => {
	it("answers the whole room's userCount on every page, and a cursor only when more follow", () => {
		const first = usersPageOf(ROOM, users, 5, { limit: 4 });
		expect(first).toEqual({ room: ROOM, users: users.slice(0, 4), userCount: 5, cursor: expect.any(String) });
		const last = usersPageOf(ROOM, users, 5, { limit: 4, after: decodeUsersCursor(ROOM, first.cursor ?? "") });
		expect(last).toEqual({ room: ROOM, users: users.slice(4), userCount: 5 });
		expect("cursor" in last).toBe(false);
		expect(usersPageOf(ROOM, users, 5, {})).toEqual({ room: ROOM, users, userCount: 5 });
	});

	it("walks a room in pages of any size, every user once", () => {
		expect(allPages(users, 2).map((page) => page.map((u) => u.userId))).toEqual([
			["ann", "bob"],
			["cy", "dee"],
			["eve"],
		]);
		expect(allPages(users, 1)).toHaveLength(5);
		expect(allPages([], 3)).toEqual([[]]);
	});

	it("gives pages that, concatenated, are the whole list in order, none repeated (property)", () => {
		const roster = fc
			.uniqueArray(
				fc.record({
					userId: fc.string({ minLength: 1, maxLength: 64, unit: "grapheme" }).filter((id) => id.length <= 64),
					joinedAt: fc.integer({ min: 0, max: 20 }),
				}),
				{ selector: (u) => u.userId, maxLength: 60 },
			)
			.map((list) => list.map((u) => user(u.userId, u.joinedAt)).sort(rosterOrder));
		fc.assert(
			fc.property(roster, fc.integer({ min: 1, max: 70 }), (list, limit) => {
				const pages = allPages(list, limit);
				const walked = pages.flat();
				expect(walked).toEqual(list);
				expect(new Set(walked.map((u) => u.userId)).size).toBe(walked.length);
				for (const page of pages.slice(0, -1)) expect(page).toHaveLength(limit);
				expect(pages.length).toBe(Math.max(1, Math.ceil(list.length / limit)));
			}),
		);
	});
});
