/**
 * The room's durable state in the Durable Object's SQLite database. The layout is versioned:
 * each migration runs once, in order, inside the constructor's synchronous setup.
 */

type Migration = (sql: SqlStorage) => void;

/** Append only: a live room at version N runs migrations N+1… on its next wake-up. */
export const MIGRATIONS: readonly Migration[] = [
	// v1: small key/value facts about the room (the last message seq).
	(sql) => {
		sql.exec("CREATE TABLE room_meta (key TEXT PRIMARY KEY, value ANY NOT NULL) WITHOUT ROWID");
	},
];

export function migrate(storage: DurableObjectStorage, migrations: readonly Migration[] = MIGRATIONS): number {
	const { sql } = storage;
	sql.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
	const row = sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray()[0];
	let version = row?.version ?? 0;
	if (!row) sql.exec("INSERT INTO schema_version (version) VALUES (0)");
	while (version < migrations.length) {
		const step = migrations[version] as Migration;
		storage.transactionSync(() => {
			step(sql);
			sql.exec("UPDATE schema_version SET version = ?", version + 1);
		});
		version++;
	}
	return version;
}

export class RoomStore {
	readonly #sql: SqlStorage;
	#lastSeq: number;

	constructor(storage: DurableObjectStorage) {
		migrate(storage);
		this.#sql = storage.sql;
		this.#lastSeq = Number(this.#get("seq") ?? 0);
	}

	get lastSeq(): number {
		return this.#lastSeq;
	}

	/** Takes the next message seq and writes it: a seq is never reused, even after eviction. */
	takeSeq(): number {
		const seq = this.#lastSeq + 1;
		this.#set("seq", seq);
		this.#lastSeq = seq;
		return seq;
	}

	#get(key: string): SqlStorageValue | undefined {
		return this.#sql.exec<{ value: SqlStorageValue }>("SELECT value FROM room_meta WHERE key = ?", key).toArray()[0]
			?.value;
	}

	#set(key: string, value: SqlStorageValue): void {
		this.#sql.exec(
			"INSERT INTO room_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
			key,
			value,
		);
	}
}
