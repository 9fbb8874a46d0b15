/**
 * (1.4) The directory of occupied rooms, fed by each room's root: a room is listed once its first
 * user registered, its counts follow (a few changes at once, then paced), and it is gone once its last user's leave grace
 * ended; a call its partition never took is sent again from the room's alarm.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { clock } from "../../src/clock";
import { BURST, PACE_MS } from "../../src/room/directory/feed-plan";
import { listRooms } from "../../src/server/room-directory";
import { randomRoom } from "../support/client";
import { expectRoomLogs } from "../support/expected-logs";
import { passTime } from "../workerd/clock";
import { connect, join, roomStub } from "../workerd/connect";
import { directoryOf, expectListed, listed, loseCallsFor, partitionStubOf } from "../workerd/directory-support";

const GRACE_MS = 10_000;

/** How many tables the room's storage holds (0: deleted). */
function tablesOf(room: string) {
	return runInDurableObject(
		roomStub(room),
		(_, state) => state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table'").toArray().length,
	);
}

function alarmOf(room: string) {
	return runInDurableObject(roomStub(room), (_, state) => state.storage.getAlarm());
}

/** Lets `ms` pass and runs the room's alarm, as the runtime would when it is due. */
async function alarmAfter(room: string, ms: number) {
	passTime(ms);
	await runDurableObjectAlarm(roomStub(room));
}

describe("the directory", () => {
	it("lists a room once its first user registers, not for a connection alone", async () => {
		const room = randomRoom("dir");
		const before = clock.now();
		const client = await connect(room);
		await client.settle();
		expect(await listed(room)).toBeUndefined();
		await client.register("alice");
		await expectListed(room, { userCount: 1, connectionCount: 1 });
		const entry = await listed(room);
		expect(entry?.occupiedAt).toBeGreaterThanOrEqual(before);
		expect(entry?.occupiedAt).toBeLessThanOrEqual(clock.now());
	});

	it("tells a join at once, without moving the room's alarm", async () => {
		const room = randomRoom("dir");
		await join(room, "alice");
		await expectListed(room, { userCount: 1 });
		const alarm = await alarmOf(room);
		await join(room, "bob");
		await expectListed(room, { userCount: 2, connectionCount: 2 });
		expect(await alarmOf(room)).toBe(alarm);
	});

	it("holds a change past the first few for the alarm, keeping occupiedAt", async () => {
		const room = randomRoom("dir");
		for (let user = 0; user < BURST; user += 1) await join(room, `u${user}`);
		await expectListed(room, { userCount: BURST, connectionCount: BURST });
		const { occupiedAt } = (await listed(room)) ?? {};
		await join(room, "late");
		await join(room, "late");
		// Within the window, the directory keeps what it had, and the alarm is set for the rest.
		expect(await listed(room)).toMatchObject({ userCount: BURST });
		expect(await alarmOf(room)).toBeLessThanOrEqual(clock.now() + PACE_MS);
		await alarmAfter(room, PACE_MS);
		await expectListed(room, { userCount: BURST + 1, connectionCount: BURST + 2, occupiedAt });
	});

	it("keeps a room through its last user's leave grace, then drops it and the room's storage", async () => {
		const room = randomRoom("dir");
		const alice = await join(room, "alice");
		await expectListed(room, { userCount: 1 });
		alice.close();
		await alice.waitForClose();
		await alarmAfter(room, GRACE_MS - 1000);
		expect(await listed(room)).toMatchObject({ userCount: 1 });
		await alarmAfter(room, 1000);
		await expectListed(room, undefined);
		// Told and acknowledged: the room had nothing else to keep.
		await expect.poll(() => tablesOf(room)).toBe(0);
	});

	it("lists a room again when it fills again, with a later occupiedAt", async () => {
		const room = randomRoom("dir");
		const alice = await join(room, "alice");
		await expectListed(room, { userCount: 1 });
		const first = (await listed(room))?.occupiedAt ?? 0;
		await alice.request("Unregister", {});
		await expectListed(room, undefined);
		passTime(5000);
		await join(room, "bob");
		await expectListed(room, { userCount: 1 });
		expect((await listed(room))?.occupiedAt).toBeGreaterThan(first);
	});

	it("sends again from the room's alarm a call its partition did not take", async () => {
		const room = randomRoom("dir");
		const failures = expectRoomLogs("error", room, /directory/);
		const lost = await loseCallsFor(room);
		await join(room, "alice");
		await vi.waitFor(() => expect(failures.length).toBeGreaterThanOrEqual(2)); // the partition's line and the room's
		expect(await listed(room)).toBeUndefined();
		expect(await alarmOf(room)).toBeLessThanOrEqual(clock.now() + 1000);
		await lost.end();
		await alarmAfter(room, 1000);
		await expectListed(room, { userCount: 1, connectionCount: 1 });
	});

	it("sends what is owed after the room was evicted with its call lost", async () => {
		const room = randomRoom("dir");
		const failures = expectRoomLogs("error", room, /directory/);
		const lost = await loseCallsFor(room);
		await join(room, "alice");
		await vi.waitFor(() => expect(failures.length).toBeGreaterThanOrEqual(2));
		await evictDurableObject(roomStub(room));
		await lost.end();
		await alarmAfter(room, 1000);
		await expectListed(room, { userCount: 1, connectionCount: 1 });
	});

	it("keeps a vacated room's storage until its removal is acknowledged", async () => {
		const room = randomRoom("dir");
		const failures = expectRoomLogs("error", room, /directory/);
		const alice = await join(room, "alice");
		await expectListed(room, { userCount: 1 });
		const lost = await loseCallsFor(room);
		await alice.request("Unregister", {});
		alice.close();
		await alice.waitForClose();
		await vi.waitFor(() => expect(failures.length).toBeGreaterThanOrEqual(2));
		// Nobody here, no message: the room would delete its storage now, but for the directory.
		expect(await roomStub(room).occupancy()).toMatchObject({ userCount: 0, connectionCount: 0 });
		expect(await listed(room)).toMatchObject({ userCount: 1 });
		expect(await tablesOf(room)).not.toBe(0);
		await lost.end();
		await alarmAfter(room, 1000);
		await expectListed(room, undefined);
		await expect.poll(() => tablesOf(room)).toBe(0);
	});

	it("keeps in a partition nothing but its table: the room parts of its object stay unused", async () => {
		const room = randomRoom("dir");
		await join(room, "alice");
		await expectListed(room, { userCount: 1 });
		const stored = await runInDurableObject(partitionStubOf(room), async (_, state) => ({
			tables: state.storage.sql
				.exec<{ name: string }>(
					"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'",
				)
				.toArray()
				.map((row) => row.name),
			alarm: await state.storage.getAlarm(),
		}));
		expect(stored).toEqual({ tables: ["directory_rooms"], alarm: null });
	});

	it("pages rooms by name with a prefix, a limit and a cursor", async () => {
		const prefix = randomRoom("dirp");
		const names = Array.from({ length: 23 }, (_, index) => `${prefix}-${String(index).padStart(2, "0")}`);
		const other = `${randomRoom("dirp")}-elsewhere`;
		for (const name of [...names, other]) await join(name, "alice");
		await expect.poll(async () => (await directoryOf(prefix)).length, { timeout: 5000 }).toBe(names.length);
		const pages: string[][] = [];
		let cursor: string | undefined;
		do {
			const page = await listRooms(
				env.ROOMS,
				cursor === undefined ? { prefix, limit: 7 } : { prefix, limit: 7, cursor },
			);
			pages.push(page.rooms.map((entry) => entry.room));
			cursor = page.cursor;
		} while (cursor !== undefined);
		expect(pages.map((page) => page.length)).toEqual([7, 7, 7, 2]);
		expect(pages.flat()).toEqual([...names].sort());
		expect(pages.flat()).not.toContain(other);
	});
});
