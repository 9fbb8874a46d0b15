/**
 * The layout of a room's SQLite database, versioned. Each migration runs once, in order, in
 * its own transaction, synchronously: a live room at version N runs migrations N+1… on its next
 * wake-up and keeps its data; a room that has never written gets its tables at its first write.
 */

import { createBansTable } from "./bans";
import { createRoomEventTables } from "./events/outbox";
import { createMqttSessionsTable } from "./mqtt/sessions";
import { addRemovedColumn, createPresenceLogTable } from "./shards/presence-log";

export type Migration = (sql: SqlStorage) => void;

/** Append only. Never edit a migration that has shipped: add the next one. */
export const MIGRATIONS: readonly Migration[] = [
	// v1: small key/value facts about the room (the last message seq).
	(sql) => {
		sql.exec("CREATE TABLE room_meta (key TEXT PRIMARY KEY, value ANY NOT NULL) WITHOUT ROWID");
	},
	// v2: message history, and the clientMessageIds that make a resend idempotent. The latter
	// outlive their messages' pruning (see RoomStore), so they are a table of their own.
	(sql) => {
		sql.exec(`CREATE TABLE messages (
			seq INTEGER PRIMARY KEY,
			id TEXT NOT NULL,
			from_user TEXT NOT NULL,
			from_name TEXT NOT NULL,
			body TEXT NOT NULL,
			sent_at INTEGER NOT NULL,
			to_user TEXT
		)`);
		sql.exec(`CREATE TABLE sent_ids (
			seq INTEGER PRIMARY KEY,
			user_id TEXT NOT NULL,
			client_message_id TEXT NOT NULL,
			id TEXT NOT NULL,
			sent_at INTEGER NOT NULL
		)`);
		sql.exec("CREATE UNIQUE INDEX sent_ids_by_client_id ON sent_ids (user_id, client_message_id)");
	},
	// v3: the durable roster: one row per registered connection, live or in its leave grace, so
	// that a restart which drops every socket still knows who was present.
	(sql) => {
		sql.exec(`CREATE TABLE presence (
			connection_id TEXT PRIMARY KEY,
			user_id TEXT NOT NULL,
			name TEXT NOT NULL,
			meta TEXT NOT NULL,
			registered_at INTEGER NOT NULL,
			updated_at INTEGER NOT NULL,
			grace_until INTEGER,
			leave_reason TEXT
		) WITHOUT ROWID`);
	},
	// v4 (1.3): at a room's root, each shard holding connections: the epoch it runs as (another one
	// means it restarted and its connections are gone) and how many it holds, so that placement
	// survives the root's hibernation without asking every shard.
	(sql) => {
		sql.exec(`CREATE TABLE shard_objects (
			shard INTEGER PRIMARY KEY,
			epoch TEXT NOT NULL,
			connections INTEGER NOT NULL
		)`);
	},
	// v5 (1.3): the sending connection of each message (a resend or a gap fill to a shard still
	// leaves the sender out); which object holds each roster row's connection and how it hears
	// presence (the root rebuilds its shards' audience from them); per shard, what its stream has
	// acknowledged and the last report batch applied with its replies (separate from
	// `shard_objects`, whose rows placement replaces whole).
	(sql) => {
		sql.exec("ALTER TABLE messages ADD COLUMN from_connection TEXT");
		sql.exec("ALTER TABLE presence ADD COLUMN shard INTEGER NOT NULL DEFAULT 0");
		sql.exec("ALTER TABLE presence ADD COLUMN mode TEXT");
		sql.exec("ALTER TABLE presence ADD COLUMN batch INTEGER NOT NULL DEFAULT 0");
		sql.exec(`CREATE TABLE shard_streams (
			shard INTEGER PRIMARY KEY,
			epoch TEXT NOT NULL,
			acked_seq INTEGER NOT NULL
		)`);
		sql.exec(`CREATE TABLE shard_reports (
			shard INTEGER PRIMARY KEY,
			epoch TEXT NOT NULL,
			last_batch INTEGER NOT NULL
		)`);
		// The last batch's replies as JSON in pieces (a Registered carries the roster; a row holds 2 MB).
		sql.exec(`CREATE TABLE shard_report_replies (
			shard INTEGER NOT NULL,
			part INTEGER NOT NULL,
			text TEXT NOT NULL,
			PRIMARY KEY (shard, part)
		)`);
	},
	// v6 (1.3): the root's presence log (a row per roster change and per batched window, resent to
	// each shard from what it acknowledged), and each shard stream's acknowledged row.
	(sql) => {
		createPresenceLogTable(sql);
		sql.exec("ALTER TABLE shard_streams ADD COLUMN acked_pres INTEGER NOT NULL DEFAULT 0");
	},
	// v7 (1.3): the verified users' connections on the shards (MAX_CONNECTIONS_PER_USER at the upgrade).
	(sql) => {
		sql.exec(`CREATE TABLE shard_users (
			connection_id TEXT PRIMARY KEY,
			shard INTEGER NOT NULL,
			user_id TEXT NOT NULL
		)`);
		sql.exec("CREATE INDEX shard_users_by_user ON shard_users (user_id)");
	},
	// v8 (1.4): the users a backend banned, until when; and, in the presence log, the shards'
	// connections a removal closes (the row that tells the others carries them to the shards).
	(sql) => {
		createBansTable(sql);
		addRemovedColumn(sql);
	},
	// v9 (1.4): the room events outbox (written with the change each reports, deleted once every
	// sink has it) and each sink's cursor in it.
	(sql) => createRoomEventTables(sql),
	// v10 (1.5): persistent MQTT sessions (subscriptions and the last seq acknowledged).
	(sql) => createMqttSessionsTable(sql),
];

/** Whether the database has ever been given a layout (a read-only look: it creates nothing). */
export function hasLayout(storage: DurableObjectStorage): boolean {
	const found = storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
	return found.toArray().length > 0;
}

/** Brings the database to the latest layout; returns the version it is at. */
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
