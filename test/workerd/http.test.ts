import { exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { randomRoom } from "../support/client";
import { connect, join, roomUrl } from "./connect";

async function jsonOf(response: Response) {
	expect(response.headers.get("content-type")).toMatch(/application\/json/);
	return (await response.json()) as { error?: { code: string; message: string } } & Record<string, unknown>;
}

describe("HTTP surface", () => {
	it("answers GET /health with ok", async () => {
		const response = await exports.default.fetch("http://rooms.test/health");
		expect(response.status).toBe(200);
		expect(await jsonOf(response)).toEqual({ ok: true });
	});

	it("refuses a room route without an upgrade with 426 UPGRADE_REQUIRED", async () => {
		const response = await exports.default.fetch(roomUrl(randomRoom()));
		expect(response.status).toBe(426);
		expect((await jsonOf(response)).error?.code).toBe("UPGRADE_REQUIRED");
	});

	it.each([
		["starts with a dot", ".hidden"],
		["starts with a dash", "-x"],
		["has a space", "a%20b"],
		["has a slash-free symbol", "a!b"],
		["is 65 characters", "a".repeat(65)],
		["is not ASCII", "caf%C3%A9"],
		["is empty", ""],
		["is not valid percent-encoding", "a%E0%A4%A"],
	])("refuses a room name that %s with 400 BAD_ROOM, upgrade or not", async (_, room) => {
		for (const init of [{}, { headers: { Upgrade: "websocket" } }]) {
			const response = await exports.default.fetch(roomUrl(room), init);
			expect(response.status).toBe(400);
			const body = await jsonOf(response);
			expect(body.error?.code).toBe("BAD_ROOM");
			expect(body.error?.message).toMatch(/room names/);
		}
		const users = await exports.default.fetch(roomUrl(room, "users"));
		expect(users.status).toBe(400);
	});

	it("accepts room names at the edges of the rule", async () => {
		for (const room of ["a", "0", `A${"b".repeat(63)}`, "a.b_c-d"]) {
			const response = await exports.default.fetch(roomUrl(room, "users"));
			expect(response.status, room).toBe(200);
			expect(await jsonOf(response)).toEqual({ room, users: [], userCount: 0 });
		}
	});

	it("lists the registered users of a room, and only registered ones", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice", { name: "Alice", meta: { color: "red" } });
		await join(room, "bob");
		const response = await exports.default.fetch(roomUrl(room, "users"));
		expect(response.status).toBe(200);
		const body = await jsonOf(response);
		expect(body.room).toBe(room);
		expect(body.users).toEqual([
			expect.objectContaining({ userId: "alice", name: "Alice", meta: { color: "red" }, connections: 1 }),
			expect.objectContaining({ userId: "bob", name: "bob", meta: {}, connections: 1 }),
		]);
		await alice.request("Unregister");
		const after = await jsonOf(await exports.default.fetch(roomUrl(room, "users")));
		expect((after.users as { userId: string }[]).map((user) => user.userId)).toEqual(["bob"]);
	});

	it("counts a room's users and connections at GET /occupancy, registered ones only, as GET /users does", async () => {
		const room = randomRoom();
		expect(await jsonOf(await exports.default.fetch(roomUrl(room, "occupancy")))).toEqual({
			room,
			userCount: 0,
			connectionCount: 0,
			shards: 0,
		});
		const alice = await join(room, "alice");
		const secondTab = await join(room, "alice");
		const bob = await join(room, "bob");
		const lurker = await connect(room); // open, never registered: not counted
		const response = await exports.default.fetch(roomUrl(room, "occupancy"));
		expect(response.status).toBe(200);
		// One object holds the room's connections: shards is 1 (1.3).
		expect(await jsonOf(response)).toEqual({ room, userCount: 2, connectionCount: 3, shards: 1 });
		await secondTab.request("Unregister");
		expect(await jsonOf(await exports.default.fetch(roomUrl(room, "occupancy")))).toEqual({
			room,
			userCount: 2,
			connectionCount: 2,
			shards: 1,
		});
		// Registered or not, a socket is a connection the object holds; with none left, no object holds any.
		for (const client of [alice, secondTab, bob]) client.close();
		await vi.waitFor(
			async () =>
				expect(await jsonOf(await exports.default.fetch(roomUrl(room, "occupancy")))).toMatchObject({
					userCount: 0,
					shards: 1,
				}),
			{ timeout: 5000 },
		);
		lurker.close();
		await vi.waitFor(
			async () =>
				expect(await jsonOf(await exports.default.fetch(roomUrl(room, "occupancy")))).toEqual({
					room,
					userCount: 0,
					connectionCount: 0,
					shards: 0,
				}),
			{ timeout: 5000 },
		);
		expect((await exports.default.fetch(roomUrl("bad name!", "occupancy"))).status).toBe(400);
	});

	it("answers unknown routes with a JSON 404 NOT_FOUND", async () => {
		for (const path of ["/nope", `/rooms/${randomRoom()}/nope`]) {
			const response = await exports.default.fetch(`http://rooms.test${path}`);
			expect(response.status).toBe(404);
			expect((await jsonOf(response)).error?.code).toBe("NOT_FOUND");
		}
	});
});
