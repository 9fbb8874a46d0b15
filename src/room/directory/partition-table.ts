/**
 * (1.4) One directory partition's rooms: a SQLite table in the partition object, keyed by name.
 * An update is applied when its version is newer than the row's, so a late or repeated call
 * changes nothing; a vacated room keeps its row (hidden from listings) for `TOMBSTONE_MS`, so
 * that an older snapshot arriving after its removal cannot bring it back.
 */
import type { DirectoryQuery, DirectoryRoom } from "../../protocol";
import type { DirectoryUpdate } from "./feed-plan";

/** How long a vacated room's row stays, hidden: far longer than any call can be late. */
export const TOMBSTONE_MS = 60 * 60 * 1000;
/** Tombstones are swept at most this often, on an update. */
const SWEEP_MS = 60 * 1000;

/** After every room name's characters (ASCII letters, digits, `.`, `_`, `-`): the end of a prefix's range. */
const AFTER_NAME_CHARACTERS = "\x7f";

type RoomRow = { room: string; user_count: number; connection_count: number; occupied_at: number };

export class PartitionTable {
	readonly #sql: SqlStorage;
	#ready = false;
	#sweptAt = Number.NEGATIVE_INFINITY;

	constructor(sql: SqlStorage) {
		this.#sql = sql;
	}

	/** Applies an update unless the row is as new; answers the version the row now has. */
	apply(update: DirectoryUpdate, now: number): number {
		this.#prepare();
		const sql = this.#sql;
		const { room, version, snapshot } = update;
		const stored = sql
			.exec<{ version: number }>("SELECT version FROM directory_rooms WHERE room = ?", room)
			.toArray()[0];
		if (stored && stored.version >= version) return stored.version;
		const counts = snapshot ?? { userCount: 0, connectionCount: 0, occupiedAt: 0 };
		sql.exec(
			`INSERT INTO directory_rooms (room, version, user_count, connection_count, occupied_at, vacated_at)
			 VALUES (?, ?, ?, ?, ?, ?)
			 ON CONFLICT (room) DO UPDATE SET version = excluded.version, user_count = excluded.user_count,
			   connection_count = excluded.connection_count, occupied_at = excluded.occupied_at, vacated_at = excluded.vacated_at`,
			room,
			version,
			counts.userCount,
			counts.connectionCount,
			counts.occupiedAt,
			snapshot === null ? now : null,
		);
		this.#sweep(now);
		return version;
	}

	/** The first `limit` occupied rooms by name whose names start with `prefix`, after `after`. */
	list(query: DirectoryQuery): DirectoryRoom[] {
		if (!this.#exists()) return [];
		const { prefix, after, limit } = query;
		const from = after !== undefined && after >= prefix ? after : undefined;
		const rows = this.#sql
			.exec<RoomRow>(
				`SELECT room, user_count, connection_count, occupied_at FROM directory_rooms
				 WHERE vacated_at IS NULL AND room >= ? AND room < ? AND (? IS NULL OR room > ?)
				 ORDER BY room LIMIT ?`,
				prefix,
				prefix + AFTER_NAME_CHARACTERS,
				from ?? null,
				from ?? null,
				limit,
			)
			.toArray();
		return rows.map((row) => ({
			room: row.room,
			userCount: row.user_count,
			connectionCount: row.connection_count,
			occupiedAt: row.occupied_at,
		}));
	}

	#sweep(now: number): void {
		if (now - this.#sweptAt < SWEEP_MS) return;
		this.#sweptAt = now;
		this.#sql.exec("DELETE FROM directory_rooms WHERE vacated_at < ?", now - TOMBSTONE_MS);
	}

	/** Whether the table is there: a listing of a partition nobody wrote to creates nothing. */
	#exists(): boolean {
		if (this.#ready) return true;
		const found = this.#sql
			.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'directory_rooms'")
			.toArray();
		this.#ready = found.length > 0;
		return this.#ready;
	}

	#prepare(): void {
		if (this.#exists()) return;
		this.#sql.exec(`CREATE TABLE directory_rooms (
			room TEXT PRIMARY KEY,
			version INTEGER NOT NULL,
			user_count INTEGER NOT NULL,
			connection_count INTEGER NOT NULL,
			occupied_at INTEGER NOT NULL,
			vacated_at INTEGER
		) WITHOUT ROWID`);
		this.#sql.exec("CREATE INDEX directory_vacated ON directory_rooms (vacated_at) WHERE vacated_at IS NOT NULL");
		this.#ready = true;
	}
}
