/**
 * MAX_CONNECTIONS_PER_USER with AUTH_SECRET set (2 here, in a room of 3): the room knows each
 * connection's user from its token at upgrade time, and refuses the upgrade past the limit.
 */
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { roomToken } from "../support/tokens";
import { asUser, connect, roomStub, upgrade, usersOf } from "../workerd/connect";

/** vitest.config.ts's MAX_CONNECTIONS_PER_USER for this project. */
const PER_USER_LIMIT = 2;

async function expectTooMany(response: Response): Promise<void> {
	expect(response.status).toBe(429);
	expect(response.headers.get("content-type")).toMatch(/application\/json/);
	expect(await response.json()).toEqual({
		error: { code: "TOO_MANY_CONNECTIONS", message: expect.stringContaining("alice") },
	});
	expect(response.webSocket).toBeNull();
}

describe("MAX_CONNECTIONS_PER_USER with AUTH_SECRET (2 here)", () => {
	it("answers the user's upgrade past the limit with 429, counting unregistered connections; the others stay open", async () => {
		const room = randomRoom();
		const registered = await connect(room, await asUser("alice"));
		await registered.request("Register", {});
		const unregistered = await connect(room, await asUser("alice"));

		await expectTooMany(await upgrade(room, await asUser("alice")));

		// Neither of alice's connections heard of it, and both still answer.
		await Promise.all([registered.settle(), unregistered.settle()]);
		expect(registered.pending()).toEqual([]);
		expect(unregistered.pending()).toEqual([]);
		expect([registered.closeEvent, unregistered.closeEvent]).toEqual([undefined, undefined]);
		expect((await usersOf(room, { token: await roomToken({ sub: "bob" }) })).map((user) => user.connections)).toEqual([
			1,
		]);
		// The limit is the user's: someone else still gets the room's last place.
		await connect(room, await asUser("bob"));
	});

	it("admits the user again once one of their connections has closed", async () => {
		const room = randomRoom();
		const first = await connect(room, await asUser("alice"));
		await first.request("Register", {});
		const second = await connect(room, await asUser("alice"));
		await second.request("Register", {});
		await first.next("UserUpdated", (frame) => frame.data.user.connections === PER_USER_LIMIT);
		await expectTooMany(await upgrade(room, await asUser("alice")));

		second.close();
		await first.next("UserUpdated", (frame) => frame.data.user.connections === 1);
		await connect(room, await asUser("alice"));
	});

	it("admits exactly the limit when one user's upgrades arrive at once", async () => {
		const room = randomRoom();
		const tokens = await Promise.all([1, 2, 3].map(() => roomToken({ sub: "alice" })));
		const responses = await Promise.all(tokens.map((token) => upgrade(room, { query: { token } })));
		expect(responses.map((response) => response.status).sort()).toEqual([101, 101, 429]);
		for (const response of responses) {
			response.webSocket?.accept();
			response.webSocket?.close(1000, "done");
		}
	});

	it("still counts the user's connections after the object was evicted with its sockets hibernated", async () => {
		const room = randomRoom();
		await connect(room, await asUser("alice"));
		await connect(room, await asUser("alice"));
		await evictDurableObject(roomStub(room));
		await expectTooMany(await upgrade(room, await asUser("alice")));
		await connect(room, await asUser("bob"));
	});
});
