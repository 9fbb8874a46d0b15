/**
 * End to end (1.5): MQTT sessions against the `wrangler dev` with `AUTH_SECRET` (global-setup.ts):
 * a room token in `?token=` or as the CONNECT password names the user; a user name other than
 * the token's `sub` is CONNACK 4, a token for another room CONNACK 5, and neither registers anyone.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { User } from "../../../src/protocol";
import { randomRoom } from "../../support/client";
import { roomToken } from "../../support/tokens";
import { closeAll, connect, type E2EClient, expectReply, get, WAIT_MS } from "../clients";
import { closeAllMqtt, mqttConnect, mqttRefused } from "./mqtt-clients";

afterEach(() => {
	closeAllMqtt();
	closeAll();
});

const secured = { server: "secured" } as const;

/** A protocol client registered with a token for `sub` (the secured room fills at 3 connections). */
async function member(room: string, sub: string): Promise<E2EClient> {
	const client = await connect(room, { ...secured, query: { token: await roomToken({ sub, rooms: [room] }) } });
	await expectReply(client, "Register", {}, "Registered");
	return client;
}

async function userIds(room: string): Promise<string[]> {
	const token = await roomToken({ sub: "observer", rooms: [room] });
	const response = await get(`/rooms/${room}/users?token=${token}`, undefined, "secured");
	expect(response.status).toBe(200);
	return ((await response.json()) as { users: User[] }).users.map((user) => user.userId).sort();
}

describe("MQTT with tokens", () => {
	it("admits a token in ?token= or as the CONNECT password; the user is the token's sub", async () => {
		const room = randomRoom();
		const alice = await member(room, "alice");

		const byQuery = await mqttConnect(room, {
			...secured,
			query: { token: await roomToken({ sub: "bob", rooms: [room] }) },
		});
		expect(byQuery.connack?.returnCode).toBe(0);
		expect((await alice.next("UserJoined", undefined, WAIT_MS)).data.user).toMatchObject({ userId: "bob" });

		const byPassword = await mqttConnect(room, {
			...secured,
			username: "carol",
			password: await roomToken({ sub: "carol", rooms: [room] }),
		});
		expect(byPassword.connack?.returnCode).toBe(0);
		expect((await alice.next("UserJoined", undefined, WAIT_MS)).data.user).toMatchObject({ userId: "carol" });

		await byPassword.publish("messages", "from carol", 1);
		expect((await alice.next("Message", undefined, WAIT_MS)).data).toMatchObject({
			from: { userId: "carol" },
			message: "from carol",
		});
		expect(await userIds(room)).toEqual(["alice", "bob", "carol"]);
	});

	it("refuses a user name other than the token's sub (4), no password (4) and another room's token (5)", async () => {
		const room = randomRoom();
		const alice = await member(room, "alice");
		const bobsToken = await roomToken({ sub: "bob", rooms: [room] });

		expect(await mqttRefused(room, { ...secured, username: "mallory", password: bobsToken })).toEqual({
			code: 4,
			closed: true,
		});
		expect(await mqttRefused(room, { ...secured, username: "bob" })).toEqual({ code: 4, closed: true });
		const elsewhere = await roomToken({ sub: "bob", rooms: ["some-other-room"] });
		expect(await mqttRefused(room, { ...secured, username: "bob", password: elsewhere })).toEqual({
			code: 5,
			closed: true,
		});

		await alice.settle(WAIT_MS);
		expect(alice.pending("UserJoined")).toEqual([]);
		expect(await userIds(room)).toEqual(["alice"]);
	});
});
