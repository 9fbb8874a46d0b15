/**
 * `GET /rooms/:room/ws` without the upgrade answers with the refusal the upgrade would get, or
 * `426` when nothing refuses it: the client library asks this way, since a browser's WebSocket
 * hides the upgrade's status. Asking takes no place and tells nobody in the room.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { roomToken } from "../support/tokens";
import { asUser, type ConnectedClient, connect, roomUrl } from "../workerd/connect";

/** The room socket's URL, asked without `Upgrade: websocket`. */
async function ask(room: string, token?: string, headers: Record<string, string> = {}) {
	const response = await exports.default.fetch(roomUrl(room) + (token ? `?token=${token}` : ""), { headers });
	// A page on another origin must be able to read the answer.
	expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
	const body = (await response.json()) as { error: { code: string; message: string } };
	return { status: response.status, code: body.error.code, message: body.error.message };
}

async function expectNothingHeard(clients: ConnectedClient[]): Promise<void> {
	await Promise.all(clients.map((client) => client.settle()));
	for (const client of clients) expect(client.pending()).toEqual([]);
}

describe("asking the room socket's URL without the upgrade", () => {
	it("is 426 when an upgrade would be accepted", async () => {
		expect(await ask(randomRoom(), await roomToken())).toMatchObject({ status: 426, code: "UPGRADE_REQUIRED" });
	});

	it("is 401 without a token or with a bad one, and 403 for a room the token does not grant", async () => {
		const room = randomRoom();
		expect(await ask(room)).toMatchObject({ status: 401, code: "UNAUTHORIZED" });
		expect(await ask(room, "not-a-jwt")).toMatchObject({ status: 401, code: "UNAUTHORIZED" });
		expect(await ask(room, await roomToken({ rooms: ["elsewhere"] }))).toMatchObject({
			status: 403,
			code: "FORBIDDEN",
		});
	});

	it("is 403 from an origin outside ALLOWED_ORIGINS", async () => {
		const answer = await ask(randomRoom(), await roomToken(), { Origin: "https://evil.example" });
		expect(answer).toMatchObject({ status: 403, code: "FORBIDDEN", message: expect.stringContaining("evil.example") });
	});

	it("is 503 ROOM_FULL in a full room (3 here), takes no place, and 426 again once someone leaves", async () => {
		const room = randomRoom();
		const alice = await connect(room, await asUser("alice"));
		await alice.request("Register", {});
		const bob = await connect(room, await asUser("bob"));
		await bob.request("Register", {});
		await alice.next("UserJoined");
		const carol = await connect(room, await asUser("carol"));

		const dave = await roomToken({ sub: "dave" });
		for (let i = 0; i < 3; i++) expect(await ask(room, dave)).toMatchObject({ status: 503, code: "ROOM_FULL" });
		await expectNothingHeard([alice, bob, carol]);

		bob.close();
		await alice.next("UserLeft");
		expect(await ask(room, dave)).toMatchObject({ status: 426 });
		// Asking held no place: the room's last place is still free for dave's socket.
		await connect(room, { query: { token: dave } });
	});

	it("is 429 TOO_MANY_CONNECTIONS for a user at MAX_CONNECTIONS_PER_USER (2 here), and 426 for another user", async () => {
		const room = randomRoom();
		const first = await connect(room, await asUser("alice"));
		await first.request("Register", {});
		const second = await connect(room, await asUser("alice"));

		const answer = await ask(room, await roomToken({ sub: "alice" }));
		expect(answer).toMatchObject({
			status: 429,
			code: "TOO_MANY_CONNECTIONS",
			message: expect.stringContaining("alice"),
		});
		expect(await ask(room, await roomToken({ sub: "bob" }))).toMatchObject({ status: 426 });
		await expectNothingHeard([first, second]);
	});
});
