/**
 * End to end, the HTTP surface of the real `wrangler dev` (started once by global-setup.ts):
 * health, errors, the demo page and the users list.
 */
import { afterEach, describe, expect, it } from "vitest";
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
});
