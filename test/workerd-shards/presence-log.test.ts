/**
 * (1.3) The root's presence log in a Durable Object's SQLite: rows numbered from 1 with every
 * field kept, read after a position by rows and by bytes, a change rolled back leaving no gap,
 * pruning below a floor that always keeps the newest row (so numbering goes on), a read from
 * behind the pruned part told so, and all of it as before after the object is evicted.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
	addRemovedColumn,
	createPresenceLogTable,
	PresenceLog,
	type PresenceLogEntry,
	rowBytes,
} from "../../src/room/shards/presence-log";
import { randomRoom } from "../support/client";

type Stub = DurableObjectStub;

const freshObject = (): Stub => env.ROOMS.get(env.ROOMS.idFromName(randomRoom()));

function logIn(storage: DurableObjectStorage): PresenceLog {
	const prepared = () =>
		storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'presence_log'").toArray().length > 0;
	return new PresenceLog({
		sql: storage.sql,
		prepared,
		prepare: () => {
			if (prepared()) return;
			createPresenceLogTable(storage.sql);
			addRemovedColumn(storage.sql);
		},
	});
}

/** Runs `body` with a log over the object's storage (a new PresenceLog each time, as after a wake-up). */
function withLog<T>(stub: Stub, body: (log: PresenceLog, storage: DurableObjectStorage) => T): Promise<T> {
	return runInDurableObject(stub, (_, state) => body(logIn(state.storage), state.storage));
}

const entry = (n: number, extra: Partial<PresenceLogEntry> = {}): PresenceLogEntry => ({
	afterSeq: 10 * n,
	events: `{"event":"UserJoined","n":${n}}`,
	counts: { userCount: n, connectionCount: n + 1 },
	...extra,
});

const ALL = { maxRows: 100, maxBytes: 1_000_000 };
const presOf = (rows: readonly { pres: number }[]) => rows.map((row) => row.pres);

describe("the root's presence log", () => {
	it("is empty, numbered from 1, until a change is written, and keeps every field of a row", async () => {
		const stub = freshObject();
		const rows = await withLog(stub, (log) => {
			const before = { last: log.last(), read: log.after(0, ALL), pruned: log.prune(5) };
			const renamed = { userId: "ann", name: "Ann", meta: { color: "red" } };
			const first = log.append(entry(1, { batched: '{"event":"Presence"}', except: "c-1", renamed }));
			const second = log.append(entry(2, { events: undefined }));
			return { before, first, second, read: log.after(0, ALL), last: log.last() };
		});
		expect(rows.before).toEqual({ last: 0, read: { rows: [], pruned: false }, pruned: 0 });
		expect(rows.first).toMatchObject({ pres: 1, except: "c-1", renamed: { meta: { color: "red" } } });
		expect(rows.read).toEqual({ rows: [rows.first, rows.second], pruned: false });
		expect(rows.second).toEqual({ pres: 2, afterSeq: 20, counts: { userCount: 2, connectionCount: 3 } });
		expect(rows.last).toBe(2);
	});

	it("reads after a position at most so many rows and bytes, but always one row", async () => {
		const stub = freshObject();
		const result = await withLog(stub, (log) => {
			const written = [1, 2, 3, 4, 5].map((n) => log.append(entry(n)));
			const oneRow = rowBytes(written[0] as (typeof written)[0]);
			return {
				oneRow,
				byRows: presOf(log.after(1, { maxRows: 2, maxBytes: 1_000_000 }).rows),
				byBytes: presOf(log.after(0, { maxRows: 100, maxBytes: 2 * oneRow + 1 }).rows),
				tiny: presOf(log.after(3, { maxRows: 100, maxBytes: 1 }).rows),
				atEnd: log.after(5, ALL),
				ahead: log.after(9, ALL),
			};
		});
		expect(result.byRows).toEqual([2, 3]);
		expect(result.byBytes).toEqual([1, 2]);
		expect(result.tiny).toEqual([4]);
		expect(result.atEnd).toEqual({ rows: [], pruned: false });
		expect(result.ahead).toEqual({ rows: [], pruned: false });
	});

	it("leaves no row and no gap when the change it was written with rolls back", async () => {
		const stub = freshObject();
		const result = await withLog(stub, (log, storage) => {
			log.append(entry(1));
			storage.sql.exec("CREATE TABLE roster_stand_in (id TEXT)");
			let failed = false;
			try {
				storage.transactionSync(() => {
					storage.sql.exec("INSERT INTO roster_stand_in (id) VALUES ('c-2')");
					log.append(entry(2));
					throw new Error("the roster write failed");
				});
			} catch {
				failed = true;
			}
			const roster = storage.sql.exec("SELECT id FROM roster_stand_in").toArray().length;
			const next = log.append(entry(3));
			return { failed, roster, next: next.pres, all: presOf(log.after(0, ALL).rows) };
		});
		expect(result).toEqual({ failed: true, roster: 0, next: 2, all: [1, 2] });
	});

	it("prunes below the floor, keeps the newest row, and tells a reader behind the pruned rows", async () => {
		const stub = freshObject();
		const result = await withLog(stub, (log) => {
			for (const n of [1, 2, 3, 4, 5]) log.append(entry(n));
			const deleted = log.prune(3);
			const again = log.prune(2);
			const fromFloor = presOf(log.after(3, ALL).rows);
			const behind = log.after(1, ALL);
			const deletedAll = log.prune(99);
			return {
				deleted,
				again,
				fromFloor,
				behind,
				deletedAll,
				kept: presOf(log.after(4, ALL).rows),
				fromStart: log.after(0, ALL).pruned,
				last: log.last(),
			};
		});
		expect(result).toEqual({
			deleted: 3,
			again: 0,
			fromFloor: [4, 5],
			behind: { rows: [], pruned: true },
			deletedAll: 1,
			kept: [5],
			fromStart: true,
			last: 5,
		});
	});

	it("is as it was after the object is evicted: rows, numbering, and a log pruned to its newest row", async () => {
		const stub = freshObject();
		await withLog(stub, (log) => {
			for (const n of [1, 2, 3]) log.append(entry(n, { except: `c-${n}` }));
		});
		await evictDurableObject(stub);
		const afterEviction = await withLog(stub, (log) => {
			const read = log.after(1, ALL).rows;
			log.prune(log.last());
			return { last: log.last(), read };
		});
		expect(afterEviction.last).toBe(3);
		expect(afterEviction.read.map((row) => [row.pres, row.except])).toEqual([
			[2, "c-2"],
			[3, "c-3"],
		]);
		await evictDurableObject(stub);
		const next = await withLog(stub, (log) => ({
			next: log.append(entry(4)).pres,
			rows: presOf(log.after(2, ALL).rows),
		}));
		expect(next).toEqual({ next: 4, rows: [3, 4] });
	});
});
