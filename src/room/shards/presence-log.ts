/**
 * The root's durable presence log: one row per roster change (and one per `batched` window end),
 * holding the frames the root encoded once for every shard, numbered by `pres`. Presence frames
 * are not in the message history, so without this a root restart between a roster change and its
 * fan-out would lose them; with it, the root resends from each shard's acknowledgement and a shard
 * drops what it already has by number. No resync round, and no shard holds the whole roster.
 *
 * Each change costs one INSERT, made by the caller in the same synchronous turn as the roster row
 * (so both commit or neither). SQLite numbers the row (max + 1), so a change rolled back leaves no
 * gap, and pruning always keeps the newest row, so a number is never given twice.
 */
import type { JsonObject, OccupancyData } from "../../protocol";

/** A user's new name and meta: a shard updates its own connections' attachments of that user. */
export interface Renamed {
	userId: string;
	name: string;
	meta: JsonObject;
}

/** One row as a shard receives it (a `p` item of the root → shard stream). */
export interface PresenceLogRow {
	/** Durable, growing by one per row. */
	pres: number;
	/** The room's last seq when the row was written: the row goes after that message. */
	afterSeq: number;
	/** The `UserJoined`/`UserUpdated`/`UserLeft` frame for `events` connections. */
	events?: string;
	/** The window's `Presence` frame for `batched` connections. */
	batched?: string;
	/** The room's counts after this row: `count` connections' `Occupancy`. */
	counts: OccupancyData;
	/** The connection that caused the change: it gets no `events` frame (it got its reply). */
	except?: string;
	renamed?: Renamed;
	/** (1.4) Connections a backend's removal closes: a shard closes those it holds with 4003. */
	removed?: string[];
}

export type PresenceLogEntry = Omit<PresenceLogRow, "pres">;

/**
 * The table, for the root's migration list (append as the next version:
 * `(sql) => createPresenceLogTable(sql)`). Shards never write it.
 */
export function createPresenceLogTable(sql: SqlStorage): void {
	sql.exec(`CREATE TABLE presence_log (
		pres INTEGER PRIMARY KEY,
		after_seq INTEGER NOT NULL,
		events TEXT,
		batched TEXT,
		user_count INTEGER NOT NULL,
		connection_count INTEGER NOT NULL,
		except_connection TEXT,
		renamed TEXT
	)`);
}

/** (1.4) The column a removal's row carries (the migration after the table's, v8). */
export function addRemovedColumn(sql: SqlStorage): void {
	sql.exec("ALTER TABLE presence_log ADD COLUMN removed TEXT");
}

interface Row extends Record<string, SqlStorageValue> {
	pres: number;
	after_seq: number;
	events: string | null;
	batched: string | null;
	user_count: number;
	connection_count: number;
	except_connection: string | null;
	renamed: string | null;
	removed: string | null;
}

export interface PresenceLogOptions {
	sql: SqlStorage;
	/** Gives the room its tables before the first write (a room that wrote nothing has none). */
	prepare: () => void;
	/** Whether the tables exist: until then the log is empty. */
	prepared: () => boolean;
}

export interface ReadLimits {
	maxRows: number;
	/** Text the rows carry at most (frames, ids, names); a single row may exceed it. */
	maxBytes: number;
}

export interface PresenceRead {
	/** The rows after the position asked for, in order, without a hole. */
	rows: PresenceLogRow[];
	/**
	 * Rows right after the position asked for are gone (pruned): the reader is too far behind and
	 * its connections must resume (4001). Never the case for a shard inside the prune floor.
	 */
	pruned: boolean;
}

/** What a row weighs in a call: its texts plus a fixed allowance for numbers and keys. */
export function rowBytes(row: PresenceLogRow): number {
	const renamed = row.renamed ? JSON.stringify(row.renamed).length : 0;
	const removed = row.removed ? JSON.stringify(row.removed).length : 0;
	return 64 + (row.events?.length ?? 0) + (row.batched?.length ?? 0) + (row.except?.length ?? 0) + renamed + removed;
}

export class PresenceLog {
	readonly #options: PresenceLogOptions;
	/** Rows at or below this were deleted by this instance: a lower floor needs no DELETE. */
	#prunedThrough = 0;

	constructor(options: PresenceLogOptions) {
		this.#options = options;
	}

	/** The newest row's number (0: no row yet): a `Registered` stamp's `pres`. */
	last(): number {
		if (!this.#options.prepared()) return 0;
		const row = this.#options.sql.exec<{ last: number | null }>("SELECT MAX(pres) AS last FROM presence_log").one();
		return row.last ?? 0;
	}

	/** Writes one change; call it in the same turn (or transaction) as the roster write it tells. */
	append(entry: PresenceLogEntry): PresenceLogRow {
		const { sql, prepare } = this.#options;
		prepare();
		const { pres } = sql
			.exec<{ pres: number }>(
				`INSERT INTO presence_log
				 (after_seq, events, batched, user_count, connection_count, except_connection, renamed, removed)
				 VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING pres`,
				entry.afterSeq,
				entry.events ?? null,
				entry.batched ?? null,
				entry.counts.userCount,
				entry.counts.connectionCount,
				entry.except ?? null,
				entry.renamed ? JSON.stringify(entry.renamed) : null,
				entry.removed ? JSON.stringify(entry.removed) : null,
			)
			.one();
		return { pres, ...entry };
	}

	/** The rows after `pres`, at most `limits.maxRows` of them and `limits.maxBytes` (at least one row). */
	after(pres: number, limits: ReadLimits): PresenceRead {
		if (!this.#options.prepared()) return { rows: [], pruned: false };
		const found = this.#options.sql
			.exec<Row>("SELECT * FROM presence_log WHERE pres > ? ORDER BY pres LIMIT ?", pres, limits.maxRows)
			.toArray();
		const first = found[0];
		if (first && first.pres !== pres + 1) return { rows: [], pruned: true };
		const rows: PresenceLogRow[] = [];
		let bytes = 0;
		for (const each of found) {
			const row = toRow(each);
			bytes += rowBytes(row);
			if (rows.length > 0 && bytes > limits.maxBytes) break;
			rows.push(row);
		}
		return { rows, pruned: false };
	}

	/**
	 * Deletes the rows at or below `floor`: the caller passes the lowest acknowledgement of the
	 * shards it follows (or `last()` when it follows none). The newest row always stays, so the
	 * numbering survives a log pruned empty. Returns how many rows went.
	 */
	prune(floor: number): number {
		if (floor <= this.#prunedThrough || !this.#options.prepared()) return 0;
		const cursor = this.#options.sql.exec(
			"DELETE FROM presence_log WHERE pres <= ? AND pres < (SELECT MAX(pres) FROM presence_log)",
			floor,
		);
		this.#prunedThrough = floor;
		return cursor.rowsWritten;
	}
}

function toRow(row: Row): PresenceLogRow {
	const out: PresenceLogRow = {
		pres: row.pres,
		afterSeq: row.after_seq,
		counts: { userCount: row.user_count, connectionCount: row.connection_count },
	};
	if (row.events !== null) out.events = row.events;
	if (row.batched !== null) out.batched = row.batched;
	if (row.except_connection !== null) out.except = row.except_connection;
	if (row.renamed !== null) out.renamed = JSON.parse(row.renamed) as Renamed;
	if (row.removed !== null) out.removed = JSON.parse(row.removed) as string[];
	return out;
}
