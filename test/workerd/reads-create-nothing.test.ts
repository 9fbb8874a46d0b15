/**
 * Anyone may read any room's users and messages: a read of a room nobody has used must not
 * create it. Its storage is looked at from inside the object, after the reads.
 */
import { runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../src/room/migrations";
import { randomRoom } from "../support/client";
import { join, roomStub, roomUrl, usersOf } from "./connect";
import { messagesPage, seqs } from "./history-helpers";

/** What the room's storage holds: its SQLite schema (tables, indexes) and its alarm. */
function storageOf(room: string) {
	return runInDurableObject(roomStub(room), async (_, state) => ({
		schema: state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master").toArray(),
		alarm: await state.storage.getAlarm(),
	}));
}

describe("reading a room nobody has used", () => {
	it("answers GET /users, GET /occupancy and GET /messages empty, and writes nothing", async () => {
		const room = randomRoom();
		expect(await usersOf(room)).toEqual([]);
		const occupancy = await exports.default.fetch(roomUrl(room, "occupancy"));
		expect(await occupancy.json()).toEqual({ room, userCount: 0, connectionCount: 0, shards: 0 });
		expect(await messagesPage(room)).toEqual({ room, messages: [], lastSeq: 0 });
		expect(await messagesPage(room, "?since=3&limit=10")).toEqual({ room, messages: [], lastSeq: 0 });
		expect(await storageOf(room)).toEqual({ schema: [], alarm: null });
	});

	it("leaves the room to be created by its first connection, which then works as before", async () => {
		const room = randomRoom();
		await usersOf(room);
		await messagesPage(room);
		const alice = await join(room, "alice");
		const ack = await alice.request("SendMessage", { message: "first" });
		expect(ack).toMatchObject({ event: "MessageAck", data: { seq: 1 } });
		expect(seqs((await messagesPage(room)).messages)).toEqual([1]);
		expect((await usersOf(room)).map((user) => user.userId)).toEqual(["alice"]);
		const version = await runInDurableObject(
			roomStub(room),
			(_, state) => state.storage.sql.exec<{ version: number }>("SELECT version FROM schema_version").one().version,
		);
		expect(version).toBe(MIGRATIONS.length);
	});

	it("leaves the room to be created by its first message, a server publish with nobody connected", async () => {
		const room = randomRoom();
		await messagesPage(room);
		const ack = await roomStub(room).publish(JSON.stringify("from a backend"), { userId: "system", name: "system" });
		expect(ack).toMatchObject({ ok: true, ack: { seq: 1 } });
		const page = await messagesPage(room);
		expect(page).toMatchObject({ lastSeq: 1, messages: [{ seq: 1, message: "from a backend" }] });
		expect((await storageOf(room)).schema.map((entry) => entry.name)).toContain("messages");
	});
});
