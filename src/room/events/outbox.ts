/**
 * (1.4) The room events outbox, in the room's SQLite: each event is a row written inside the
 * transaction of the change it reports (the caller's), numbered from the last one with no gap.
 * Each sink's cursor says what it is done with; rows every configured sink is done with are
 * deleted, and the counter they reached is kept so that the numbering goes on.
 */
import { boundBacklog, freshCursor, type SinkCursor } from "./cursor";

export function createRoomEventTables(sql: SqlStorage): void {
	sql.exec(`CREATE TABLE room_events (
		seq INTEGER PRIMARY KEY,
		id TEXT NOT NULL,
		type TEXT NOT NULL,
		at INTEGER NOT NULL,
		data TEXT NOT NULL
	)`);
	sql.exec(`CREATE TABLE room_event_sinks (
		sink TEXT PRIMARY KEY,
		done INTEGER NOT NULL,
		dropped INTEGER NOT NULL,
		failures INTEGER NOT NULL,
		retry_at INTEGER NOT NULL
	) WITHOUT ROWID`);
}

/** A stored event: `data` is its JSON text. */
export interface OutboxRow extends Record<string, SqlStorageValue> {
	seq: number;
	id: string;
	type: string;
	at: number;
	data: string;
}

interface CursorRow extends Record<string, SqlStorageValue> {
	sink: string;
	done: number;
	dropped: number;
	failures: number;
	retry_at: number;
}

/** The key in `room_meta` of the last seq deleted, which numbering goes on from when no row is left. */
const PRUNED_KEY = "events_pruned";

export interface OutboxOptions {
	sql: SqlStorage;
	/** The configured sinks' names (each a cursor); a row stays until all of them are done with it. */
	sinks: readonly string[];
	/** `EVENTS_BACKLOG`. */
	backlog: number;
	/** Creates the room's tables (the first write of a room). */
	prepare: () => void;
	prepared: () => boolean;
}

export class Outbox {
	readonly #options: OutboxOptions;
	/** The last seq written, as this instance knows it (read again from storage when unknown). */
	#lastSeq: number | undefined;
	#cursors: Map<string, SinkCursor> | undefined;

	constructor(options: OutboxOptions) {
		this.#options = options;
	}

	get lastSeq(): number {
		if (this.#lastSeq === undefined) this.#lastSeq = this.#storedLastSeq();
		return this.#lastSeq;
	}

	/** A sink's cursor; one never stored (a sink just configured) starts at the oldest event kept. */
	cursor(sink: string): SinkCursor {
		if (!this.#options.prepared()) return freshCursor(0);
		const cursors = this.#loadCursors();
		let cursor = cursors.get(sink);
		if (!cursor) {
			const oldest = this.#options.sql
				.exec<{ seq: number | null }>("SELECT MIN(seq) AS seq FROM room_events")
				.one().seq;
			cursor = freshCursor(oldest === null ? this.lastSeq : oldest - 1);
			cursors.set(sink, cursor);
		}
		return cursor;
	}

	/** Whether a configured sink has events to deliver or drops to report: the room must keep its storage. */
	get undelivered(): boolean {
		if (!this.#options.prepared()) return false;
		const last = this.lastSeq;
		return this.#options.sinks.some((sink) => {
			const cursor = this.cursor(sink);
			return cursor.done < last || cursor.dropped > 0;
		});
	}

	/**
	 * Writes one event, inside the caller's transaction, and bounds each sink's backlog. Its seq
	 * comes from storage, not memory: a rolled back transaction leaves no gap.
	 */
	write(id: string, type: string, at: number, dataJson: string): number {
		this.#options.prepare();
		const { sql, sinks, backlog } = this.#options;
		const seq = this.#storedLastSeq() + 1;
		sql.exec("INSERT INTO room_events (seq, id, type, at, data) VALUES (?, ?, ?, ?, ?)", seq, id, type, at, dataJson);
		this.#lastSeq = seq;
		let bounded = false;
		for (const sink of sinks) {
			const cursor = this.cursor(sink);
			const next = boundBacklog(cursor, seq, backlog);
			if (next === cursor) continue;
			this.#save(sink, next);
			bounded = true;
		}
		if (bounded) {
			this.#prune();
			// The transaction may yet be rolled back: what the cursors are is read again after it.
			queueMicrotask(() => {
				this.#cursors = undefined;
			});
		}
		return seq;
	}

	/** The next events after `after`, oldest first, at most `limit`. */
	rows(after: number, limit: number): OutboxRow[] {
		if (!this.#options.prepared()) return [];
		const rows = this.#options.sql
			.exec<OutboxRow>(
				"SELECT seq, id, type, at, data FROM room_events WHERE seq > ? ORDER BY seq LIMIT ?",
				after,
				limit,
			)
			.toArray();
		// What this instance thought was written may have been rolled back: storage says.
		if (rows.length === 0) this.#lastSeq = undefined;
		return rows;
	}

	/** The last event after `after` that was written before `time`, if any. */
	lastWrittenBefore(after: number, time: number): number | undefined {
		const row = this.#options.sql
			.exec<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM room_events WHERE seq > ? AND at < ?", after, time)
			.one();
		return row.seq ?? undefined;
	}

	/** A sink moved on: its cursor is stored, and rows every sink is done with are deleted. */
	update(sink: string, cursor: SinkCursor): void {
		this.#save(sink, cursor);
		this.#prune();
	}

	/** The room's storage was deleted: numbering starts again from 1. */
	forget(): void {
		this.#lastSeq = undefined;
		this.#cursors = undefined;
	}

	#save(sink: string, cursor: SinkCursor): void {
		this.#options.sql.exec(
			"INSERT OR REPLACE INTO room_event_sinks (sink, done, dropped, failures, retry_at) VALUES (?, ?, ?, ?, ?)",
			sink,
			cursor.done,
			cursor.dropped,
			cursor.failures,
			cursor.retryAt,
		);
		this.#loadCursors().set(sink, cursor);
	}

	#prune(): void {
		const { sql, sinks } = this.#options;
		const through = Math.min(...sinks.map((sink) => this.cursor(sink).done));
		if (!Number.isFinite(through)) return;
		sql.exec("DELETE FROM room_events WHERE seq <= ?", through);
		sql.exec("INSERT OR REPLACE INTO room_meta (key, value) VALUES (?, ?)", PRUNED_KEY, through);
	}

	#storedLastSeq(): number {
		if (!this.#options.prepared()) return 0;
		const { sql } = this.#options;
		const newest = sql.exec<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM room_events").one().seq;
		if (newest !== null) return newest;
		const pruned = sql.exec<{ value: number }>("SELECT value FROM room_meta WHERE key = ?", PRUNED_KEY).toArray()[0];
		return Number(pruned?.value ?? 0);
	}

	#loadCursors(): Map<string, SinkCursor> {
		if (this.#cursors) return this.#cursors;
		const cursors = new Map<string, SinkCursor>();
		if (this.#options.prepared()) {
			for (const row of this.#options.sql.exec<CursorRow>("SELECT * FROM room_event_sinks").toArray()) {
				cursors.set(row.sink, { done: row.done, dropped: row.dropped, failures: row.failures, retryAt: row.retry_at });
			}
		}
		this.#cursors = cursors;
		return cursors;
	}
}
