/**
 * Users a page at a time (1.3) across a restart that dropped every socket: the cursor names a place
 * in the durable roster's order, so the next page follows on; users in leave grace are listed,
 * while no object holds a connection (`shards` 0).
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { OccupancyPage, UsersPage } from "../../src/protocol";
import { migrate } from "../../src/room/migrations";
import { randomRoom } from "../support/client";
import { join, roomStub, roomUrl } from "../workerd/connect";

async function getJson<T>(room: string, path: string): Promise<T> {
	const response = await exports.default.fetch(roomUrl(room, path));
	expect(response.status, await response.clone().text()).toBe(200);
	return (await response.json()) as T;
}

/** A room whose durable roster says these users were present, a second apart, with no socket left. */
async function roomAfterRestart(userIds: string[]): Promise<string> {
	const room = randomRoom();
	const since = Date.now() - 60_000;
	await runInDurableObject(roomStub(room), (_, state) => {
		migrate(state.storage);
		userIds.forEach((userId, index) => {
			const at = since + index * 1000;
			state.storage.sql.exec(
				"INSERT INTO presence (connection_id, user_id, name, meta, registered_at, updated_at) VALUES (?, ?, ?, '{}', ?, ?)",
				`c-${userId}`,
				userId,
				userId,
				at,
				at,
			);
		});
	});
	await evictDurableObject(roomStub(room));
	return room;
}

describe("users a page at a time, across restarts", () => {
	it("continues with a cursor given before the room restarted, users in grace included", async () => {
		const room = await roomAfterRestart(["zoe", "amy", "kim"]);
		const first = await getJson<UsersPage>(room, "users?limit=2");
		expect(first.users.map((user) => user.userId)).toEqual(["zoe", "amy"]);
		expect(first.userCount).toBe(3);
		await evictDurableObject(roomStub(room));
		const rest = await getJson<UsersPage>(room, `users?limit=2&cursor=${first.cursor}`);
		expect(rest.users.map((user) => user.userId)).toEqual(["kim"]);
		expect(rest).not.toHaveProperty("cursor");
	});

	it("counts no object holding connections while only users in grace are present, and one once a socket opens", async () => {
		const room = await roomAfterRestart(["zoe"]);
		expect(await getJson<OccupancyPage>(room, "occupancy")).toEqual({
			room,
			userCount: 1,
			connectionCount: 1,
			shards: 0,
		});
		const amy = await join(room, "amy");
		expect(amy.established.data.shard).toBe(0);
		expect(await getJson<OccupancyPage>(room, "occupancy")).toEqual({
			room,
			userCount: 2,
			connectionCount: 2,
			shards: 1,
		});
	});
});
