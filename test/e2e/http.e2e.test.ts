/**
 * End to end, the HTTP surface of the real `wrangler dev` (started once by global-setup.ts):
 * health, errors, the demo page, the users list and its pages.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { UsersPage } from "../../src/protocol";
import { randomRoom } from "../support/client";
import { closeAll, connect, get, join, usersOf } from "./clients";

afterEach(closeAll);

describe("HTTP surface", () => {
	it("GET /health answers {ok:true}", async () => {
		const response = await get("/health");
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toMatch(/application\/json/);
		expect(await response.json()).toEqual({ ok: true });
	});

	it("refuses a bad room name with 400 BAD_ROOM", async () => {
		const response = await get("/rooms/bad!name/ws");
		expect(response.status).toBe(400);
		expect(response.headers.get("content-type")).toMatch(/application\/json/);
		const body = (await response.json()) as {
			error: { code: string; message: string };
		};
		expect(body.error.code).toBe("BAD_ROOM");
		expect(typeof body.error.message).toBe("string");
	});

	it("refuses a room socket without an upgrade with 426 UPGRADE_REQUIRED", async () => {
		const response = await get(`/rooms/${randomRoom()}/ws`);
		expect(response.status).toBe(426);
		expect(response.headers.get("content-type")).toMatch(/application\/json/);
		const body = (await response.json()) as { error: { code: string } };
		expect(body.error.code).toBe("UPGRADE_REQUIRED");
	});

	it("serves the demo page at /", async () => {
		const response = await get("/");
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toMatch(/text\/html/);
		expect(await response.text()).toMatch(/<html/i);
	});

	it("serves the demo pages (chat and MQTT) with a policy that allows only its own scripts, styles and socket, and refuses framing", async () => {
		for (const path of [
			"/",
			"/?room=lobby&user=alice",
			"/demo.js",
			"/demo.css",
			"/favicon.svg",
			"/mqtt?room=lobby&user=alice",
			"/mqtt-demo.js",
		]) {
			const response = await get(path);
			expect(response.status, path).toBe(200);
			const policy = parsePolicy(response.headers.get("content-security-policy") ?? "");
			expect(policy, path).toEqual({
				"default-src": ["'none'"],
				"script-src": ["'self'"],
				"style-src": ["'self'"],
				"img-src": ["'self'"],
				"connect-src": ["'self'"],
				"base-uri": ["'none'"],
				"form-action": ["'self'"],
				"frame-ancestors": ["'none'"],
			});
			expect(response.headers.get("x-frame-options"), path).toBe("DENY");
			expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
			expect(response.headers.get("referrer-policy"), path).toBe("no-referrer");
			await response.body?.cancel();
		}
		// The rules file itself is read by the asset server, never served.
		expect((await get("/_headers")).status).toBe(404);
	});

	it("lists a room's registered users", async () => {
		const room = randomRoom();
		expect(await usersOf(room)).toEqual([]);
		await join(room, "alice", { name: "Alice", meta: { color: "red" } });
		await join(room, "bob");
		// A connection that never registered is not a user.
		await connect(room);
		const users = await usersOf(room);
		expect(users.map((user) => user.userId)).toEqual(["alice", "bob"]);
		expect(users[0]).toMatchObject({
			userId: "alice",
			name: "Alice",
			meta: { color: "red" },
			connections: 1,
		});
		expect(users[1]).toMatchObject({
			userId: "bob",
			name: "bob",
			meta: {},
			connections: 1,
		});
		for (const user of users) expect(typeof user.joinedAt).toBe("number");
	});

	it("pages a room's users with limit and cursor (1.3), and refuses a bad one with 400 BAD_REQUEST", async () => {
		const room = randomRoom();
		for (const userId of ["ann", "bob", "cy"]) await join(room, userId);
		const first = (await (await get(`/rooms/${room}/users?limit=2`)).json()) as UsersPage;
		expect(first).toMatchObject({ room, userCount: 3, cursor: expect.any(String) });
		const rest = (await (await get(`/rooms/${room}/users?limit=2&cursor=${first.cursor}`)).json()) as UsersPage;
		expect(rest).not.toHaveProperty("cursor");
		expect([...first.users, ...rest.users]).toEqual(await usersOf(room));
		for (const query of ["limit=0", "limit=1001", `limit=2&cursor=x${first.cursor}`]) {
			const refused = await get(`/rooms/${room}/users?${query}`);
			expect(refused.status, query).toBe(400);
			expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("BAD_REQUEST");
		}
		expect(await (await get(`/rooms/${room}/occupancy`)).json()).toEqual({
			room,
			userCount: 3,
			connectionCount: 3,
			shards: 1,
		});
	});
});

/** A Content-Security-Policy header as directive → sources. */
function parsePolicy(header: string): Record<string, string[]> {
	const policy: Record<string, string[]> = {};
	for (const directive of header.split(";")) {
		const [name, ...sources] = directive.trim().split(/\s+/);
		if (name) policy[name] = sources;
	}
	return policy;
}
