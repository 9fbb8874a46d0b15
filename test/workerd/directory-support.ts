/**
 * (1.4) The directory in workerd tests: read through the rooms' own namespace (as `listRooms`
 * does for a backend), waited for with a bound rather than slept for, since a room's call to its
 * partition runs after the event that caused it.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, vi } from "vitest";
import type { DirectoryRoom } from "../../src/protocol";
import { partitionObjectName, partitionOf } from "../../src/room/directory/partitions";
import { type ListRoomsOptions, listRooms } from "../../src/server/room-directory";

/** Every occupied room whose name starts with `prefix`, page after page of `limit`. */
export async function directoryOf(prefix: string, limit = 1000): Promise<DirectoryRoom[]> {
	const rooms: DirectoryRoom[] = [];
	let cursor: string | undefined;
	do {
		const options: ListRoomsOptions = { prefix, limit };
		if (cursor !== undefined) options.cursor = cursor;
		const page = await listRooms(env.ROOMS, options);
		rooms.push(...page.rooms);
		cursor = page.cursor;
	} while (cursor !== undefined);
	return rooms;
}

/** The room as the directory lists it, or undefined. */
export async function listed(room: string): Promise<DirectoryRoom | undefined> {
	return (await directoryOf(room)).find((entry) => entry.room === room);
}

/** Waits until the directory lists `room` as `expected` wants (undefined: not at all). */
export async function expectListed(room: string, expected: Partial<DirectoryRoom> | undefined, timeout = 5000) {
	await vi.waitFor(
		async () => {
			const entry = await listed(room);
			if (expected === undefined) expect(entry).toBeUndefined();
			else expect(entry).toMatchObject({ room, ...expected });
		},
		{ timeout, interval: 20 },
	);
}

/** The stub of the partition that holds `room`. */
export function partitionStubOf(room: string) {
	return env.ROOMS.get(env.ROOMS.idFromName(partitionObjectName(partitionOf(room))));
}

/**
 * Makes `room`'s partition refuse every update for it, as a call lost on the way would be, until
 * `end()`: a trigger in the partition's table (created as the partition creates it).
 */
export async function loseCallsFor(room: string): Promise<{ end: () => Promise<void> }> {
	const trigger = `lose_${room.replace(/[^A-Za-z0-9]/g, "_")}`;
	const stub = partitionStubOf(room);
	await stub.directoryList({ prefix: room, limit: 1 });
	await runInDurableObject(stub, (_, state) => {
		const sql = state.storage.sql;
		sql.exec(`CREATE TABLE IF NOT EXISTS directory_rooms (room TEXT PRIMARY KEY, version INTEGER NOT NULL,
			user_count INTEGER NOT NULL, connection_count INTEGER NOT NULL, occupied_at INTEGER NOT NULL,
			vacated_at INTEGER) WITHOUT ROWID`);
		sql.exec(`CREATE TRIGGER ${trigger} BEFORE INSERT ON directory_rooms WHEN NEW.room = '${room}'
			BEGIN SELECT RAISE(ABORT, 'lost on purpose'); END`);
	});
	return {
		end: () =>
			runInDurableObject(stub, (_, state) => {
				state.storage.sql.exec(`DROP TRIGGER ${trigger}`);
			}),
	};
}
