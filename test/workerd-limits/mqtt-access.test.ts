/** MQTT sessions with AUTH_SECRET and the limits on (1.5): tokens in ?token= or the CONNECT password. */
import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { roomToken } from "../support/tokens";
import { usersOf } from "../workerd/connect";
import { openMqtt, upgradeMqtt } from "../workerd/mqtt-connect";

const usersIn = async (room: string) =>
	(await usersOf(room, { token: await roomToken({ sub: "admin" }) })).map((u) => u.userId);

describe("MQTT access", () => {
	it("takes the token as ?token= or as the CONNECT password, and the user is the token's sub", async () => {
		const room = randomRoom();
		const byQuery = await openMqtt(room, `?token=${await roomToken({ sub: "ann" })}`);
		expect((await byQuery.connect({ clientId: "a" })).returnCode).toBe(0);
		const byPassword = await openMqtt(room);
		const password = Buffer.from(await roomToken({ sub: "bob" }));
		expect((await byPassword.connect({ clientId: "b", username: "bob", password })).returnCode).toBe(0);
		expect((await usersIn(room)).sort()).toEqual(["ann", "bob"]);
	});

	it("refuses a wrong user name or a missing password with 4, a token for another room or expired with 5, a third connection with 5", async () => {
		const room = randomRoom();
		const cases: Array<[Record<string, unknown>, number]> = [
			[{ username: "eve", password: Buffer.from(await roomToken({ sub: "bob" })) }, 4],
			[{ username: "bob" }, 4],
			[{ username: "bob", password: Buffer.from(await roomToken({ sub: "bob", rooms: ["elsewhere"] })) }, 5],
			[{ username: "bob", password: Buffer.from(await roomToken({ sub: "bob", ttl: -60 })) }, 5],
		];
		for (const [options, code] of cases) {
			const client = await openMqtt(room);
			expect((await client.connect({ clientId: "x", ...options })).returnCode).toBe(code);
			await client.closed();
		}
		const token = await roomToken({ sub: "cat" });
		for (const clientId of ["c1", "c2"]) {
			const held = await openMqtt(room, `?token=${token}`);
			expect((await held.connect({ clientId })).returnCode).toBe(0);
		}
		const third = await openMqtt(room);
		expect((await third.connect({ clientId: "c3", username: "cat", password: Buffer.from(token) })).returnCode).toBe(5);
		expect(await usersIn(room)).toEqual(["cat"]);
	});

	it("refuses an upgrade that does not offer the mqtt subprotocol, and a bad ?token= at the upgrade", async () => {
		const room = randomRoom();
		expect((await upgradeMqtt(room, "", "graphql-ws")).status).toBe(400);
		expect((await upgradeMqtt(room, "?token=nope")).status).toBe(401);
	});
});
