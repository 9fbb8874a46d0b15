import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { TEST_PUBLISH_KEY } from "../support/pinned-vars";
import { badTokens, roomToken } from "../support/tokens";
import { passTime } from "../workerd/clock";
import { connect, roomUrl, upgrade } from "../workerd/connect";

async function errorOf(response: Response) {
	return (await response.json<{ error: { code: string; message: string } }>()).error;
}

let bad: [string, string][] = [];
beforeAll(async () => {
	bad = await badTokens();
});

describe("room tokens (AUTH_SECRET set)", () => {
	it("refuses an upgrade without ?token= with 401 UNAUTHORIZED", async () => {
		const response = await upgrade(randomRoom());
		expect(response.status).toBe(401);
		expect(await errorOf(response)).toMatchObject({ code: "UNAUTHORIZED" });
	});

	it("refuses every bad token with 401 UNAUTHORIZED, on every room route", async () => {
		expect(bad.length).toBeGreaterThanOrEqual(15);
		const room = randomRoom();
		for (const [what, token] of bad) {
			const responses = [
				await upgrade(room, { query: { token } }),
				await exports.default.fetch(`${roomUrl(room, "users")}?token=${encodeURIComponent(token)}`),
				await exports.default.fetch(`${roomUrl(room, "messages")}?token=${encodeURIComponent(token)}`),
			];
			for (const response of responses) {
				expect(response.status, what).toBe(401);
				const error = await errorOf(response);
				expect(error.code, what).toBe("UNAUTHORIZED");
				// The refusal never echoes the token back.
				expect(error.message, what).not.toContain(token.slice(0, 20));
			}
		}
	});

	it("says when a token has expired", async () => {
		const response = await upgrade(randomRoom(), { query: { token: await roomToken({ ttl: -5 }) } });
		expect(await errorOf(response)).toEqual({ code: "UNAUTHORIZED", message: "the token has expired" });
	});

	it("refuses a room outside the token's rooms with 403 FORBIDDEN, and lets it into the listed ones", async () => {
		const [allowed, other] = [randomRoom(), randomRoom()];
		const token = await roomToken({ rooms: [allowed] });
		const refused = await upgrade(other, { query: { token } });
		expect(refused.status).toBe(403);
		expect(await errorOf(refused)).toMatchObject({ code: "FORBIDDEN" });
		const users = await exports.default.fetch(`${roomUrl(other, "users")}?token=${token}`);
		expect(users.status).toBe(403);
		await connect(allowed, { query: { token } });
	});

	it("lets a valid token read the room over HTTP", async () => {
		const room = randomRoom();
		const token = await roomToken();
		const users = await exports.default.fetch(`${roomUrl(room, "users")}?token=${token}`);
		expect(users.status).toBe(200);
		expect(await users.json()).toEqual({ room, users: [], userCount: 0 });
	});

	it("makes sub the connection's identity: Register may omit userId or repeat sub", async () => {
		const room = randomRoom();
		const token = await roomToken({ sub: "alice" });
		const omitted = await connect(room, { query: { token } });
		expect(await omitted.request("Register", { name: "Alice" })).toMatchObject({
			event: "Registered",
			data: { self: { userId: "alice", name: "Alice" } },
		});
		const repeated = await connect(room, { query: { token } });
		expect(await repeated.request("Register", { userId: "alice" })).toMatchObject({
			event: "Registered",
			data: { self: { userId: "alice", connections: 2 } },
		});
	});

	it("refuses another userId with Error UNAUTHORIZED and changes nothing", async () => {
		const room = randomRoom();
		const watcher = await connect(room, { query: { token: await roomToken({ sub: "watcher" }) } });
		await watcher.request("Register", {});
		const alice = await connect(room, { query: { token: await roomToken({ sub: "alice" }) } });
		const refused = await alice.request("Register", { userId: "bob" });
		expect(refused).toMatchObject({ event: "Error", data: { code: "UNAUTHORIZED" } });
		expect(await alice.request("SendMessage", { message: "x" })).toMatchObject({
			data: { code: "NOT_REGISTERED" },
		});
		await watcher.settle();
		expect(watcher.pending()).toEqual([]);
	});

	it("a name in the token is the user's name: Register may repeat it, not replace it", async () => {
		const room = randomRoom();
		const token = await roomToken({ sub: "alice", name: "Alice Liddell" });
		const client = await connect(room, { query: { token } });
		expect(await client.request("Register", {})).toMatchObject({
			data: { self: { userId: "alice", name: "Alice Liddell" } },
		});
		expect(await client.request("Register", { name: "Alice Liddell", meta: { a: 1 } })).toMatchObject({
			event: "Registered",
		});
		expect(await client.request("Register", { name: "The Queen" })).toMatchObject({
			event: "Error",
			data: { code: "UNAUTHORIZED" },
		});
	});

	it("a name in the token cannot be changed by UpdateUser either; meta can", async () => {
		const room = randomRoom();
		const token = await roomToken({ sub: "alice", name: "Alice Liddell" });
		const client = await connect(room, { query: { token } });
		await client.request("Register", {});
		expect(await client.request("UpdateUser", { name: "The Queen" })).toMatchObject({
			event: "Error",
			data: { code: "UNAUTHORIZED" },
		});
		expect(await client.request("UpdateUser", { name: "Alice Liddell", meta: { at: "tea" } })).toMatchObject({
			event: "Updated",
			data: { self: { name: "Alice Liddell", meta: { at: "tea" } } },
		});
	});

	it("ignores an identity header sent by the client: only the verified token counts", async () => {
		const room = randomRoom();
		const client = await connect(room, {
			query: { token: await roomToken({ sub: "alice" }) },
			headers: { "X-Edge-Rooms-Verified-Identity": JSON.stringify({ userId: "mallory" }) },
		});
		expect(await client.request("Register", {})).toMatchObject({ data: { self: { userId: "alice" } } });
	});

	it("carries any Unicode sub and name into the room intact", async () => {
		const room = randomRoom();
		const client = await connect(room, { query: { token: await roomToken({ sub: "李雷", name: "Zoë 🎉" }) } });
		expect(await client.request("Register", {})).toMatchObject({
			data: { self: { userId: "李雷", name: "Zoë 🎉" } },
		});
	});

	it("allows a minute of clock skew on iat and nbf, not more; accepts a fractional exp", async () => {
		const now = Math.floor(Date.now() / 1000);
		const room = randomRoom();
		await connect(room, { query: { token: await roomToken({ claims: { iat: now + 30, nbf: now + 30 } }) } });
		await connect(room, { query: { token: await roomToken({ claims: { exp: now + 600.5 } }) } });
		for (const claims of [{ iat: now + 300 }, { nbf: now + 300 }, { iat: "yesterday" }]) {
			const response = await upgrade(room, { query: { token: await roomToken({ claims }) } });
			expect(response.status, JSON.stringify(claims)).toBe(401);
		}
	});

	it("does not cut a connection whose token expires while it is open", async () => {
		const room = randomRoom();
		const token = await roomToken({ claims: { exp: Math.floor(Date.now() / 1000) + 60 } });
		const client = await connect(room, { query: { token } });
		await client.request("Register", {});
		passTime(61_000);
		const refused = await upgrade(room, { query: { token } });
		expect(refused.status).toBe(401);
		expect(await refused.json()).toMatchObject({ error: { message: "the token has expired" } });
		expect(await client.request("SendMessage", { message: "still connected" })).toMatchObject({ event: "MessageAck" });
	});

	it("does not need a token for server publish (that has its own key)", async () => {
		const response = await exports.default.fetch(roomUrl(randomRoom(), "messages"), {
			method: "POST",
			headers: { Authorization: `Bearer ${TEST_PUBLISH_KEY}` },
			body: JSON.stringify({ message: "hi" }),
		});
		expect(response.status).toBe(201);
	});
});
