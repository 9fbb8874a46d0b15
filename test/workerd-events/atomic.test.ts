/**
 * (1.4) An event is written in the same transaction as the change it reports: a failed write
 * leaves neither the change nor its event, and numbering goes on without a gap. Writes are made
 * to fail with a trigger in the room's own SQLite.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { randomRoom } from "../support/client";
import { expectRoomLogs } from "../support/expected-logs";
import { connect, join, roomStub } from "../workerd/connect";
import { send } from "../workerd-shards/rooms";
import { delivered, describeEvent, expected, reportsMessages } from "./receiver";

function sql<T>(room: string, work: (sql: SqlStorage) => T): Promise<T> {
	return runInDurableObject(roomStub(room), (_, state: DurableObjectState) => work(state.storage.sql));
}

/** From now on, every insert into `table` fails. */
function refuseInserts(room: string, table: string) {
	return sql(room, (db) => {
		db.exec(
			`CREATE TRIGGER refuse_${table} BEFORE INSERT ON ${table} BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`,
		);
	});
}

function allowInserts(room: string, table: string) {
	return sql(room, (db) => {
		db.exec(`DROP TRIGGER refuse_${table}`);
	});
}

const count = (room: string, query: string) => sql(room, (db) => db.exec<{ n: number }>(query).one().n);

describe("an event and its change", () => {
	it.runIf(reportsMessages)("a message whose event cannot be written is not stored, sent or numbered", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const bob = await join(room, "bob");
		const logged = expectRoomLogs("error", room, /^webSocketMessage failed: Error: refused by the test/);
		await refuseInserts(room, "room_events");
		const refused = await alice.request("SendMessage", { message: "lost" });
		expect(refused).toMatchObject({ event: "Error", data: { code: "INTERNAL" } });
		expect(await count(room, "SELECT COUNT(*) AS n FROM messages")).toBe(0);
		expect(logged).toHaveLength(1);
		await allowInserts(room, "room_events");
		expect(await send(alice, "kept")).toBe(1);
		await vi.waitFor(async () =>
			expect((await delivered(room)).map(describeEvent)).toEqual([
				"room.occupied 1",
				"user.joined alice",
				"user.joined bob",
				'message.created "kept"',
			]),
		);
		expect((await delivered(room)).map((event) => event.seq)).toEqual([1, 2, 3, 4]);
		expect(bob.received("Message").map((frame) => frame.data.message)).toEqual(["kept"]);
	});

	it.runIf(reportsMessages)("a message that cannot be stored leaves no event", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const logged = expectRoomLogs("error", room, /^webSocketMessage failed: Error: refused by the test/);
		await refuseInserts(room, "messages");
		expect(await alice.request("SendMessage", { message: "lost" })).toMatchObject({ event: "Error" });
		expect(logged).toHaveLength(1);
		await allowInserts(room, "messages");
		await send(alice, "kept");
		await vi.waitFor(async () =>
			expect((await delivered(room)).map(describeEvent)).toEqual([
				"room.occupied 1",
				"user.joined alice",
				'message.created "kept"',
			]),
		);
	});

	it("a join whose events cannot be written leaves no roster row, and the room starts again from storage", async () => {
		const room = randomRoom();
		await join(room, "alice");
		await vi.waitFor(async () => expect(await delivered(room)).toHaveLength(2));
		const logged = expectRoomLogs("error", room, /^a roster change failed and was rolled back/);
		await refuseInserts(room, "room_events");
		const bob = await connect(room);
		bob.send({ eventType: "ClientEvent", event: "Register", requestId: "b1", requestData: { userId: "bob" } });
		// The object gives up its memory (which had bob) and starts again from storage (which does not).
		await bob.waitForClose();
		expect(logged).toHaveLength(1);
		expect(await count(room, "SELECT COUNT(*) AS n FROM presence WHERE user_id = 'bob'")).toBe(0);
		expect(
			await count(room, "SELECT COUNT(*) AS n FROM room_events WHERE type = 'user.joined' AND data LIKE '%bob%'"),
		).toBe(0);
		await allowInserts(room, "room_events");
		await join(room, "carol");
		await vi.waitFor(async () =>
			expect((await delivered(room)).map(describeEvent)).toEqual(
				expected(["room.occupied 1", "user.joined alice", "user.joined carol"]),
			),
		);
		expect((await delivered(room)).map((event) => event.seq)).toEqual([1, 2, 3]);
	});
});
