/** `GET /rooms/:room/users?limit=M&cursor=C` (1.3): a room's users page by page, earliest joiner first. */
import { evictDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { encodeUsersCursor, type UsersPage } from "../../src/protocol";
import { randomRoom } from "../support/client";
import { passTime } from "./clock";
import { join, roomStub, roomUrl, usersOf } from "./connect";

async function pageOf(room: string, query: Record<string, string>): Promise<UsersPage> {
	const response = await exports.default.fetch(`${roomUrl(room, "users")}?${new URLSearchParams(query)}`);
	expect(response.status, await response.clone().text()).toBe(200);
	return (await response.json()) as UsersPage;
}

/** Joins `userIds` one after another, a millisecond apart, so that they join in that order. */
async function joinInOrder(room: string, userIds: string[]) {
	const clients = [];
	for (const userId of userIds) {
		passTime(1);
		clients.push(await join(room, userId));
	}
	return clients;
}

const idsOf = (page: UsersPage) => page.users.map((user) => user.userId);

describe("GET /rooms/:room/users, paged", () => {
	it("gives at most limit users, earliest joiner first, and a cursor while more follow", async () => {
		const room = randomRoom();
		await joinInOrder(room, ["zed", "amy", "kim", "bob", "eve"]);
		const first = await pageOf(room, { limit: "2" });
		expect(first).toMatchObject({ room, userCount: 5, cursor: expect.any(String) });
		expect(idsOf(first)).toEqual(["zed", "amy"]);
		const second = await pageOf(room, { limit: "2", cursor: first.cursor ?? "" });
		expect(idsOf(second)).toEqual(["kim", "bob"]);
		expect(second.userCount).toBe(5);
		const last = await pageOf(room, { limit: "2", cursor: second.cursor ?? "" });
		expect(idsOf(last)).toEqual(["eve"]);
		expect(last).not.toHaveProperty("cursor");
		// The pages together are the whole list, as GET /users without limit gives it.
		expect([...first.users, ...second.users, ...last.users]).toEqual(await usersOf(room));
	});

	it("gives a page that ends with the last user no cursor, and answers every user without limit, as before", async () => {
		const room = randomRoom();
		await joinInOrder(room, ["ann", "bob"]);
		expect(await pageOf(room, { limit: "2" })).not.toHaveProperty("cursor");
		const whole = await pageOf(room, {});
		expect(whole).toEqual({ room, users: await usersOf(room), userCount: 2 });
		expect(idsOf(whole)).toEqual(["ann", "bob"]);
	});

	it("leaves out a user who left between pages and puts one who joined since at the end", async () => {
		const room = randomRoom();
		const [, bob, cy] = await joinInOrder(room, ["ann", "bob", "cy", "dee"]);
		const first = await pageOf(room, { limit: "2" });
		expect(idsOf(first)).toEqual(["ann", "bob"]);
		await bob?.request("Unregister");
		await cy?.request("Unregister");
		await joinInOrder(room, ["abe"]);
		const rest = await pageOf(room, { limit: "10", cursor: first.cursor ?? "" });
		expect(idsOf(rest)).toEqual(["dee", "abe"]);
		expect(rest.userCount).toBe(3);
	});

	it("continues with a cursor issued before the room's object was evicted", async () => {
		const room = randomRoom();
		await joinInOrder(room, ["ann", "bob", "cy"]);
		const first = await pageOf(room, { limit: "1" });
		await evictDurableObject(roomStub(room));
		const rest = await pageOf(room, { limit: "5", cursor: first.cursor ?? "" });
		expect(idsOf(rest)).toEqual(["bob", "cy"]);
	});

	it.each([
		[{ limit: "0" }, "limit must be at least 1"],
		[{ limit: "1001" }, "limit must be at most 1000"],
		[{ limit: "" }, "limit must be a whole number"],
		[{ limit: "2.5" }, "limit must be a whole number"],
		[{ limit: "2", cursor: "" }, "cursor is not one"],
		[{ limit: "2", cursor: "not a cursor" }, "cursor is not one"],
		[{ limit: "2", cursor: encodeUsersCursor("another-room", { joinedAt: 1, userId: "ann" }) }, "cursor is not one"],
	])("refuses %j with 400 BAD_REQUEST", async (query, message) => {
		const room = randomRoom();
		const response = await exports.default.fetch(`${roomUrl(room, "users")}?${new URLSearchParams(query)}`);
		expect(response.status).toBe(400);
		const body = (await response.json()) as { error: { code: string; message: string } };
		expect(body.error.code).toBe("BAD_REQUEST");
		expect(body.error.message).toContain(message);
	});
});
