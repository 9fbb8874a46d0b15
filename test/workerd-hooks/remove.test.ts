/**
 * (1.4) `getRoom(...).remove` in a Worker of its own: resolves to the connections closed, `onLeave`
 * hears the user leave once with reason "removed", a refusal rejects with `RoomCallError` and its
 * code; a ban refuses the user's upgrade through the mounted app (whose `authorize` binds the
 * identity) with 403, and the mounted app's own DELETE route takes the publish key.
 */
import { describe, expect, it } from "vitest";
import { getRoom, RoomCallError } from "../../src/server";
import { randomRoom } from "../support/client";
import { TEST_PUBLISH_KEY } from "../support/pinned-vars";
import { chatUrl, hooksCalled, hooksEnv, joinAs, request } from "./helpers";
import { callsOf } from "./worker";

async function rejection(promise: Promise<unknown>): Promise<RoomCallError> {
	const failure = await promise.then(
		() => undefined,
		(error: unknown) => error,
	);
	if (!(failure instanceof RoomCallError)) throw new Error(`expected a RoomCallError, got ${String(failure)}`);
	return failure;
}

describe("getRoom(...).remove", () => {
	it("closes the user's connections with 4003 and resolves to how many; onLeave hears reason removed once", async () => {
		const room = randomRoom();
		const alice = await joinAs(room, "alice");
		const bobTabs = [await joinAs(room, "bob"), await joinAs(room, "bob")];
		await alice.next("UserJoined");
		expect(await getRoom(hooksEnv.ROOMS, room).remove("bob")).toEqual({ removed: 2 });
		for (const tab of bobTabs) expect((await tab.waitForClose()).code).toBe(4003);
		expect((await alice.next("UserLeft")).data.reason).toBe("removed");
		await hooksCalled(room, ["leave bob removed 0"]);
		expect(callsOf(room).filter((call) => call.startsWith("leave"))).toEqual(["leave bob removed 0"]);
	});

	it("rejects with USER_NOT_FOUND for a user not here, and with BAD_REQUEST for a bad banSeconds", async () => {
		const room = randomRoom();
		await joinAs(room, "alice");
		const handle = getRoom(hooksEnv.ROOMS, room);
		expect((await rejection(handle.remove("nobody"))).code).toBe("USER_NOT_FOUND");
		for (const banSeconds of [-1, 0.5, 604_801]) {
			expect((await rejection(handle.remove("alice", { banSeconds }))).code).toBe("BAD_REQUEST");
		}
		expect((await rejection(handle.remove(""))).code).toBe("BAD_REQUEST");
		expect(await handle.remove("nobody", { banSeconds: 10 })).toEqual({ removed: 0 });
	});

	it("bans: the user's upgrade through the mounted app is 403 FORBIDDEN", async () => {
		const room = randomRoom();
		await joinAs(room, "mallory");
		expect(await getRoom(hooksEnv.ROOMS, room).remove("mallory", { banSeconds: 60 })).toEqual({ removed: 1 });
		const refused = await request(chatUrl(room), "mallory", { headers: { Upgrade: "websocket" } });
		expect(refused.status).toBe(403);
		expect(await refused.json()).toMatchObject({ error: { code: "FORBIDDEN" } });
		await joinAs(room, "alice");
	});

	it("is also the mounted app's DELETE route, with the publish key", async () => {
		const room = randomRoom();
		const bob = await joinAs(room, "bob");
		const response = await request(chatUrl(room, "users/bob"), null, {
			method: "DELETE",
			headers: { Authorization: `Bearer ${TEST_PUBLISH_KEY}` },
		});
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual({ removed: 1 });
		expect((await bob.waitForClose()).code).toBe(4003);
	});
});
