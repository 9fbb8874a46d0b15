/**
 * (1.4) `DELETE /rooms/:room/users/:userId?banSeconds=N` with tokens and the publish key on: the
 * key's 401, `{"removed": n}` counting every connection with a token for the user (registered or
 * not), 404 without a ban and 0 with one, a bad `banSeconds` 400, and a ban turning the user's
 * upgrade (and the client library's question why) into 403 FORBIDDEN until it ends on the clock.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { TEST_PUBLISH_KEY } from "../support/pinned-vars";
import { passTime } from "../workerd/clock";
import { asUser, connect, joinWithToken, roomUrl, upgrade } from "../workerd/connect";

function removeOverHttp(room: string, userId: string, query = "", authorization: string | null = TEST_PUBLISH_KEY) {
	const headers: Record<string, string> = authorization === null ? {} : { Authorization: `Bearer ${authorization}` };
	return exports.default.fetch(`${roomUrl(room, `users/${encodeURIComponent(userId)}`)}${query}`, {
		method: "DELETE",
		headers,
	});
}

const codeOf = async (response: Response) => (await response.json<{ error: { code: string } }>()).error.code;

describe("DELETE /rooms/:room/users/:userId (PUBLISH_KEY set)", () => {
	it("refuses a missing or wrong key with 401 and removes nobody", async () => {
		const room = randomRoom();
		const bob = await joinWithToken(room, "bob");
		for (const key of [null, "wrong-key"]) {
			const response = await removeOverHttp(room, "bob", "", key);
			expect(response.status).toBe(401);
			expect(await codeOf(response)).toBe("UNAUTHORIZED");
		}
		await bob.settle();
		expect(bob.closeEvent).toBeUndefined();
	});

	it("closes every connection with a token for the user, registered or not, and answers how many", async () => {
		const room = randomRoom();
		const alice = await joinWithToken(room, "alice");
		const bob = await joinWithToken(room, "bob");
		const bobLurking = await connect(room, await asUser("bob"));
		await alice.next("UserJoined");
		const response = await removeOverHttp(room, "bob");
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual({ removed: 2 });
		for (const socket of [bob, bobLurking]) expect((await socket.waitForClose()).code).toBe(4003);
		expect((await alice.next("UserLeft")).data).toMatchObject({ user: { userId: "bob" }, reason: "removed" });
	});

	it("bans for banSeconds: the user's upgrade is 403 FORBIDDEN until the ban ends, others pass", async () => {
		const room = randomRoom();
		await joinWithToken(room, "alice");
		await joinWithToken(room, "mallory");
		const response = await removeOverHttp(room, "mallory", "?banSeconds=60");
		expect(await response.json()).toEqual({ removed: 1 });
		const refused = await upgrade(room, await asUser("mallory"));
		expect(refused.status).toBe(403);
		expect(await codeOf(refused)).toBe("FORBIDDEN");
		// The client library asks over HTTP why its upgrade fails: the same answer.
		const token = (await asUser("mallory")).query?.token as string;
		const asked = await exports.default.fetch(`${roomUrl(room)}?token=${token}`);
		expect(asked.status).toBe(403);
		expect((await upgrade(room, await asUser("carol"))).status).toBe(101);
		passTime(59_000);
		expect((await upgrade(room, await asUser("mallory"))).status).toBe(403);
		passTime(1_000);
		expect((await upgrade(room, await asUser("mallory"))).status).toBe(101);
	});

	it("answers 404 USER_NOT_FOUND for a user not here, and 200 {removed: 0} with a ban, which holds", async () => {
		const room = randomRoom();
		await joinWithToken(room, "alice");
		const absent = await removeOverHttp(room, "ghost");
		expect(absent.status).toBe(404);
		expect(await codeOf(absent)).toBe("USER_NOT_FOUND");
		expect((await upgrade(room, await asUser("ghost"))).status).toBe(101);
		const banned = await removeOverHttp(room, "ghost2", "?banSeconds=604800");
		expect(banned.status).toBe(200);
		expect(await banned.json()).toEqual({ removed: 0 });
		expect((await upgrade(room, await asUser("ghost2"))).status).toBe(403);
	});

	it("refuses a banSeconds that is not a whole number from 0 to 604800 with 400, banning nobody", async () => {
		const room = randomRoom();
		const bob = await joinWithToken(room, "bob");
		for (const value of ["-1", "1.5", "abc", "604801", "", "1e3", "0x10"]) {
			const response = await removeOverHttp(room, "bob", `?banSeconds=${value}`);
			expect(response.status, value).toBe(400);
			expect(await codeOf(response), value).toBe("BAD_REQUEST");
		}
		await bob.settle();
		expect(bob.closeEvent).toBeUndefined();
		expect((await removeOverHttp(room, "bob", "?banSeconds=0")).status).toBe(200);
	});
});
