import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { roomToken } from "../support/tokens";
import { connect, upgrade } from "../workerd/connect";

describe("MAX_CONNECTIONS (3 here)", () => {
	it("answers the upgrade past the limit with 503 ROOM_FULL, and admits again once one leaves", async () => {
		const room = randomRoom();
		const token = (sub: string) => roomToken({ sub });
		const alice = await connect(room, { query: { token: await token("alice") } });
		await alice.request("Register", {});
		const bob = await connect(room, { query: { token: await token("bob") } });
		await bob.request("Register", {});
		await alice.next("UserJoined");
		await connect(room, { query: { token: await token("carol") } });

		const refused = await upgrade(room, { query: { token: await token("dave") } });
		expect(refused.status).toBe(503);
		expect(await refused.json()).toMatchObject({ error: { code: "ROOM_FULL" } });
		expect(refused.webSocket).toBeNull();
		// The refused upgrade touched nobody.
		await alice.settle();
		expect(alice.pending()).toEqual([]);

		bob.close();
		await alice.next("UserLeft");
		await connect(room, { query: { token: await token("dave") } });
	});

	it("admits exactly the limit when upgrades arrive at once", async () => {
		const room = randomRoom();
		const tokens = await Promise.all([1, 2, 3, 4, 5].map((i) => roomToken({ sub: `u${i}` })));
		const responses = await Promise.all(tokens.map((token) => upgrade(room, { query: { token } })));
		expect(responses.map((r) => r.status).sort()).toEqual([101, 101, 101, 503, 503]);
		for (const response of responses) {
			response.webSocket?.accept();
			response.webSocket?.close(1000, "done");
		}
	});

	it("counts per room: a full room does not limit another", async () => {
		const full = randomRoom();
		for (let i = 0; i < 3; i++) await connect(full, { query: { token: await roomToken({ sub: `u${i}` }) } });
		await connect(randomRoom(), { query: { token: await roomToken() } });
	});
});
