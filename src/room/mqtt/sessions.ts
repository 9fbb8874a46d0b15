/**
 * (1.5) The persistent MQTT sessions of a room, at its root: per user and client identifier,
 * the subscriptions and the last `seq` acknowledged. A reconnect resumes from there; a clean
 * session deletes its row. They go with the room's storage, as its history does.
 */
import type { Subscription } from "./record";

/** Most sessions a room keeps: past it, the least recently connected are dropped. */
export const MAX_SESSIONS = 10_000;

/** What a CONNECT finds. */
export interface OpenedSession {
	present: boolean;
	subs: Subscription[];
	acked: number;
	sk: string;
}

interface SessionRow extends Record<string, SqlStorageValue> {
	session_key: string;
	subs: string;
	acked_seq: number;
}

export function createMqttSessionsTable(sql: SqlStorage): void {
	sql.exec(`CREATE TABLE mqtt_sessions (
		user_id TEXT NOT NULL,
		client_id TEXT NOT NULL,
		session_key TEXT NOT NULL,
		subs TEXT NOT NULL,
		acked_seq INTEGER NOT NULL,
		connected_at INTEGER NOT NULL,
		PRIMARY KEY (user_id, client_id)
	) WITHOUT ROWID`);
	sql.exec("CREATE INDEX mqtt_sessions_by_age ON mqtt_sessions (connected_at)");
}

export class MqttSessions {
	readonly #sql: SqlStorage;

	constructor(sql: SqlStorage) {
		this.#sql = sql;
	}

	/**
	 * A CONNECT: a clean session deletes what was kept and starts afresh; a persistent one resumes
	 * its row, or starts one acknowledged through `lastSeq` (nothing before it is owed).
	 */
	open(userId: string, clientId: string, clean: boolean, lastSeq: number, now: number): OpenedSession {
		const sql = this.#sql;
		if (clean) {
			sql.exec("DELETE FROM mqtt_sessions WHERE user_id = ? AND client_id = ?", userId, clientId);
			return { present: false, subs: [], acked: lastSeq, sk: newSessionKey() };
		}
		const row = sql
			.exec<SessionRow>(
				"SELECT session_key, subs, acked_seq FROM mqtt_sessions WHERE user_id = ? AND client_id = ?",
				userId,
				clientId,
			)
			.toArray()[0];
		if (row) {
			sql.exec("UPDATE mqtt_sessions SET connected_at = ? WHERE user_id = ? AND client_id = ?", now, userId, clientId);
			return { present: true, subs: JSON.parse(row.subs) as Subscription[], acked: row.acked_seq, sk: row.session_key };
		}
		const sk = newSessionKey();
		sql.exec(
			"INSERT INTO mqtt_sessions (user_id, client_id, session_key, subs, acked_seq, connected_at) VALUES (?, ?, ?, '[]', ?, ?)",
			userId,
			clientId,
			sk,
			lastSeq,
			now,
		);
		this.#bound();
		return { present: false, subs: [], acked: lastSeq, sk };
	}

	/** The session's subscriptions and/or progress, as the client left them (a missing row stays missing). */
	save(userId: string, clientId: string, change: { subs?: Subscription[]; acked?: number }): void {
		if (change.subs !== undefined) {
			this.#sql.exec(
				"UPDATE mqtt_sessions SET subs = ? WHERE user_id = ? AND client_id = ?",
				JSON.stringify(change.subs),
				userId,
				clientId,
			);
		}
		if (change.acked !== undefined) {
			// Progress only moves forward: a late save from an older connection does not undo a newer one.
			this.#sql.exec(
				"UPDATE mqtt_sessions SET acked_seq = MAX(acked_seq, ?) WHERE user_id = ? AND client_id = ?",
				change.acked,
				userId,
				clientId,
			);
		}
	}

	#bound(): void {
		const count = this.#sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM mqtt_sessions").one().n;
		if (count <= MAX_SESSIONS) return;
		this.#sql.exec(
			`DELETE FROM mqtt_sessions WHERE (user_id, client_id) IN
				(SELECT user_id, client_id FROM mqtt_sessions ORDER BY connected_at LIMIT ?)`,
			count - MAX_SESSIONS,
		);
	}
}

/** Eight random characters naming a session's packet identifiers in the room's resend table. */
function newSessionKey(): string {
	return crypto.randomUUID().slice(0, 8);
}
