import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MIGRATIONS, migrate } from "../../src/room/migrations";
import { type MessageDraft, RoomStore } from "../../src/room/store";
import { randomRoom } from "../support/client";
import { connect, join, roomStub } from "./connect";
import { messagesPage, range, sendMany, seqs, TEST_HISTORY_LIMIT } from "./history-helpers";

function draft(n: number, userId = "alice"): MessageDraft {
	return { id: `id-${n}`, from: { userId, name: userId }, message: n, sentAt: 1_000 + n };
}

describe("room storage", () => {
	it("is at the latest layout version once the room has run, and migrating again changes nothing", async () => {
		const room = randomRoom();
		const client = await join(room, "alice");
		await client.request("SendMessage", { message: 1 });
		const version = await runInDurableObject(roomStub(room), (_, state) => {
			const again = migrate(state.storage);
			const seq = state.storage.sql.exec("SELECT MAX(seq) AS seq FROM messages").one().seq;
			return { again, seq };
		});
		expect(version).toEqual({ again: MIGRATIONS.length, seq: 1 });
	});

	it("runs only the migrations a live room has not had, in order, keeping its data", async () => {
		const room = randomRoom();
		const client = await join(room, "alice");
		await client.request("SendMessage", { message: 1 });
		await client.request("SendMessage", { message: 2 });
		const result = await runInDurableObject(roomStub(room), (_, state) => {
			const applied: string[] = [];
			const next = [
				...MIGRATIONS,
				(sql: SqlStorage) => {
					applied.push("v+1");
					sql.exec("CREATE TABLE extra (n INTEGER)");
					sql.exec("INSERT INTO extra (n) SELECT MAX(seq) FROM messages");
				},
			];
			const version = migrate(state.storage, next);
			const twice = migrate(state.storage, next);
			const copied = state.storage.sql.exec("SELECT n FROM extra").one().n;
			return { version, twice, applied, copied };
		});
		expect(result).toEqual({
			version: MIGRATIONS.length + 1,
			twice: MIGRATIONS.length + 1,
			applied: ["v+1"],
			copied: 2,
		});
	});

	it("rolls back a failing migration whole and leaves the version where it was", async () => {
		const room = randomRoom();
		await join(room, "alice");
		const result = await runInDurableObject(roomStub(room), (_, state) => {
			const failing = [
				...MIGRATIONS,
				(sql: SqlStorage) => {
					sql.exec("CREATE TABLE half_done (n INTEGER)");
					throw new Error("migration failed");
				},
			];
			let error = "";
			try {
				migrate(state.storage, failing);
			} catch (caught) {
				error = (caught as Error).message;
			}
			const tables = state.storage.sql
				.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'half_done'")
				.toArray();
			return { error, tables: tables.length, version: migrate(state.storage) };
		});
		expect(result).toEqual({ error: "migration failed", tables: 0, version: MIGRATIONS.length });
	});
});

describe("history pruning", () => {
	it("keeps exactly HISTORY_LIMIT messages, the latest ones", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		await sendMany(alice, TEST_HISTORY_LIMIT + 5);
		const rows = await runInDurableObject(roomStub(room), (_, state) =>
			state.storage.sql
				.exec<{ n: number; low: number; high: number }>(
					"SELECT COUNT(*) AS n, MIN(seq) AS low, MAX(seq) AS high FROM messages",
				)
				.one(),
		);
		expect(rows).toEqual({ n: TEST_HISTORY_LIMIT, low: 6, high: TEST_HISTORY_LIMIT + 5 });
		const page = await messagesPage(room, "?limit=500");
		expect(seqs(page.messages)).toEqual(range(6, TEST_HISTORY_LIMIT + 5));
	});

	it("reports a resume from before the oldest kept message as truncated", async () => {
		const result = await runInDurableObject(roomStub(randomRoom()), (_, state) => {
			const store = new RoomStore(state.storage, { historyLimit: 5 });
			for (let n = 1; n <= 8; n++) store.append(draft(n));
			const page = (since: number) => {
				const { messages, truncated } = store.history({ since, limit: 100, viewer: "bob", keep: "newest" });
				return { seqs: messages.map((m) => m.seq), truncated };
			};
			return { from0: page(0), from2: page(2), from3: page(3), from8: page(8) };
		});
		expect(result).toEqual({
			from0: { seqs: [4, 5, 6, 7, 8], truncated: true },
			from2: { seqs: [4, 5, 6, 7, 8], truncated: true },
			from3: { seqs: [4, 5, 6, 7, 8], truncated: false },
			from8: { seqs: [], truncated: false },
		});
	});

	it("still recognises a resend after its message fell out of the history", async () => {
		const result = await runInDurableObject(roomStub(randomRoom()), (_, state) => {
			const store = new RoomStore(state.storage, { historyLimit: 5 });
			const first = store.append(draft(1), "c-1");
			for (let n = 2; n <= 20; n++) store.append(draft(n));
			const kept = state.storage.sql.exec("SELECT seq FROM messages WHERE seq = 1").toArray().length;
			return { kept, found: store.findSent("alice", "c-1"), original: first };
		});
		expect(result.kept).toBe(0);
		expect(result.found).toEqual({ id: result.original.id, seq: 1, sentAt: result.original.sentAt });
	});

	it("forgets a clientMessageId exactly when it leaves the dedup window", async () => {
		const result = await runInDurableObject(roomStub(randomRoom()), (_, state) => {
			const store = new RoomStore(state.storage, { historyLimit: 3, dedupWindow: 5 });
			store.append(draft(1), "c-1");
			for (let n = 2; n <= 5; n++) store.append(draft(n));
			const atFive = store.findSent("alice", "c-1")?.seq;
			store.append(draft(6));
			const atSix = store.findSent("alice", "c-1");
			return { atFive, atSix: atSix ?? null };
		});
		expect(result).toEqual({ atFive: 1, atSix: null });
	});

	it("looks a clientMessageId up through its index, not a scan", async () => {
		const plan = await runInDurableObject(roomStub(randomRoom()), (_, state) => {
			migrate(state.storage); // an unused room has no tables yet
			return state.storage.sql
				.exec<{ detail: string }>(
					"EXPLAIN QUERY PLAN SELECT id, seq, sent_at FROM sent_ids WHERE user_id = ? AND client_message_id = ?",
					"alice",
					"c-1",
				)
				.toArray()
				.map((row) => row.detail)
				.join("; ");
		});
		expect(plan).toContain("USING INDEX sent_ids_by_client_id");
	});

	it("writes nothing when a message cannot be stored, and the seq is not used up", async () => {
		const result = await runInDurableObject(roomStub(randomRoom()), (_, state) => {
			const store = new RoomStore(state.storage, { historyLimit: 5 });
			store.append(draft(1), "c-1");
			let error = "";
			try {
				// The same clientMessageId again breaks the unique index: the whole write must roll back.
				store.append(draft(2), "c-1");
			} catch (caught) {
				error = String(caught);
			}
			const rows = state.storage.sql.exec("SELECT seq FROM messages").toArray().length;
			return { error: error !== "", rows, lastSeq: store.lastSeq, next: store.append(draft(3)).seq };
		});
		expect(result).toEqual({ error: true, rows: 1, lastSeq: 1, next: 2 });
	});
});

describe("migrating a live room from the previous layout (v1: seq only, no history)", () => {
	it("keeps its seq, starts its history, and serves it after the upgrade", async () => {
		const room = randomRoom();
		await join(room, "alice");
		// Put the room back to layout v1 as an older deployment left it: seq 7, no history tables.
		await runInDurableObject(roomStub(room), (_, state) => {
			const { sql } = state.storage;
			sql.exec("DROP TABLE messages");
			sql.exec("DROP TABLE sent_ids");
			sql.exec("DROP TABLE presence");
			for (const table of [
				"shard_objects",
				"shard_streams",
				"shard_reports",
				"shard_report_replies",
				"presence_log",
				"shard_users",
				"bans",
				"room_events",
				"room_event_sinks",
				"mqtt_sessions",
			])
				sql.exec(`DROP TABLE ${table}`);
			sql.exec("UPDATE schema_version SET version = 1");
			sql.exec("INSERT OR REPLACE INTO room_meta (key, value) VALUES ('seq', 7)");
		});
		// The next wake-up runs the new code's constructor, which migrates.
		await evictDurableObject(roomStub(room));

		const bob = await connect(room);
		const registered = await bob.register("bob", { since: 5 });
		expect(registered).toMatchObject({
			event: "Registered",
			// Messages 6 and 7 predate the history: the resume says so.
			data: { lastSeq: 7, history: [], historyTruncated: true },
		});
		const ack = await bob.request("SendMessage", { message: "first stored" });
		expect(ack).toMatchObject({ event: "MessageAck", data: { seq: 8 } });
		const version = await runInDurableObject(
			roomStub(room),
			(_, state) => state.storage.sql.exec<{ version: number }>("SELECT version FROM schema_version").one().version,
		);
		expect(version).toBe(MIGRATIONS.length);
		expect(seqs((await messagesPage(room)).messages)).toEqual([8]);
	});
});

describe("(1.3) messages a lagging shard has not received", () => {
	const stored = (store: RoomStore, count: number) => {
		for (let n = 1; n <= count; n++) store.append(draft(n));
	};

	it("stay stored for the shard's stream past the history, and no history shows them", async () => {
		const room = randomRoom();
		await join(room, "alice");
		const result = await runInDurableObject(roomStub(room), (_, state) => {
			state.storage.sql.exec("DELETE FROM messages");
			const store = new RoomStore(state.storage, { historyLimit: 10, retainedForShards: 100 });
			store.receivedByShards = () => 5;
			stored(store, 30);
			const span = store.span(5, 30);
			const page = store.history({ since: 0, limit: 50, keep: "newest" });
			const resume = store.history({ since: 12, limit: 50, keep: "newest" });
			return {
				span: [span.messages.length, span.pruned],
				history: [page.messages.map((m) => m.seq), page.truncated],
				resume: [resume.messages.length, resume.truncated],
			};
		});
		expect(result).toEqual({
			span: [25, false],
			history: [range(21, 30), true],
			resume: [10, true],
		});
	});

	it("are pruned all the same once the shard is further behind than retainedForShards: its stream says so", async () => {
		const room = randomRoom();
		await join(room, "alice");
		const result = await runInDurableObject(roomStub(room), (_, state) => {
			state.storage.sql.exec("DELETE FROM messages");
			const store = new RoomStore(state.storage, { historyLimit: 10, retainedForShards: 8 });
			store.receivedByShards = () => 5;
			stored(store, 30);
			const span = store.span(5, 30);
			return { first: span.messages[0]?.message.seq, pruned: span.pruned };
		});
		// 30 stored: out of the history through 20, kept for the shard back to 12 at most.
		expect(result).toEqual({ first: 13, pruned: true });
	});

	it("are pruned as before when no shard is behind", async () => {
		const room = randomRoom();
		await join(room, "alice");
		const result = await runInDurableObject(roomStub(room), (_, state) => {
			state.storage.sql.exec("DELETE FROM messages");
			const store = new RoomStore(state.storage, { historyLimit: 10 });
			stored(store, 30);
			return state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM messages").one().n;
		});
		expect(result).toBe(10);
	});
});
