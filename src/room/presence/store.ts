/**
 * The durable roster: one row per registered connection, live or in its leave grace, written in
 * the same turn as the change. The attachments say who is connected; these rows also say who
 * was present when a restart dropped every socket without a close event.
 */
import { type JsonObject, type LeaveReason, LeaveReasons, type PresenceMode, PresenceModes } from "../../protocol";
import type { Identity } from "../roster";

export interface PresenceRow {
	connectionId: string;
	identity: Identity;
	/** Set while the connection is closed and in its grace. */
	grace?: { until: number; reason: LeaveReason };
	/** (1.3) At a root: a connection held by shard `shard` (absent: the root's own), and how it hears. */
	remote?: { shard: number; mode: PresenceMode; batch: boolean };
}

interface Row extends Record<string, SqlStorageValue> {
	connection_id: string;
	user_id: string;
	name: string;
	meta: string;
	registered_at: number;
	updated_at: number;
	grace_until: number | null;
	leave_reason: string | null;
	shard: number;
	mode: string | null;
	batch: number;
}

export class PresenceStore {
	readonly #sql: SqlStorage;
	/** Whether the room has tables; until it does, it has no rows and writes nothing. */
	readonly #ready: () => boolean;

	/** Runs writes as one transaction (a failed write leaves none of them); as they come without one. */
	readonly atomically: (work: () => void) => void;

	constructor(sql: SqlStorage, ready: () => boolean, transaction: (work: () => void) => void = (work) => work()) {
		this.#sql = sql;
		this.#ready = ready;
		this.atomically = transaction;
	}

	all(): PresenceRow[] {
		if (!this.#ready()) return [];
		return this.#sql.exec<Row>("SELECT * FROM presence").toArray().map(toPresenceRow);
	}

	/** A connection registered, or changed its identity: it is live. */
	live(connectionId: string, identity: Identity): void {
		this.#sql.exec(
			`INSERT OR REPLACE INTO presence
			 (connection_id, user_id, name, meta, registered_at, updated_at, grace_until, leave_reason)
			 VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)`,
			connectionId,
			identity.userId,
			identity.name,
			JSON.stringify(identity.meta),
			identity.registeredAt,
			identity.updatedAt,
		);
	}

	/** (1.3) A registered connection is held by shard `shard`, hearing presence in `mode`. */
	locate(connectionId: string, shard: number, how: { mode: PresenceMode; batch: boolean }): void {
		this.#sql.exec(
			"UPDATE presence SET shard = ?, mode = ?, batch = ? WHERE connection_id = ?",
			shard,
			how.mode,
			how.batch ? 1 : 0,
			connectionId,
		);
	}

	/** A connection's name and meta changed; whether it is live or in grace stays as it is. */
	update(connectionId: string, identity: Identity): void {
		this.#sql.exec(
			"UPDATE presence SET name = ?, meta = ?, updated_at = ? WHERE connection_id = ?",
			identity.name,
			JSON.stringify(identity.meta),
			identity.updatedAt,
			connectionId,
		);
	}

	/** A registered connection closed: it stays present until `until`. */
	grace(connectionId: string, until: number, reason: LeaveReason): void {
		this.#sql.exec(
			"UPDATE presence SET grace_until = ?, leave_reason = ? WHERE connection_id = ?",
			until,
			reason,
			connectionId,
		);
	}

	/** A connection is no longer present: it unregistered, its grace ended, or another took its place. */
	delete(connectionId: string): void {
		if (this.#ready()) this.#sql.exec("DELETE FROM presence WHERE connection_id = ?", connectionId);
	}
}

function toPresenceRow(row: Row): PresenceRow {
	const identity: Identity = {
		userId: row.user_id,
		name: row.name,
		meta: JSON.parse(row.meta) as JsonObject,
		registeredAt: row.registered_at,
		updatedAt: row.updated_at,
	};
	const presence: PresenceRow = { connectionId: row.connection_id, identity };
	if (row.grace_until !== null) presence.grace = { until: row.grace_until, reason: leaveReason(row.leave_reason) };
	if (row.shard > 0) presence.remote = { shard: row.shard, mode: presenceMode(row.mode), batch: row.batch === 1 };
	return presence;
}

function presenceMode(stored: string | null): PresenceMode {
	return stored === PresenceModes.batched || stored === PresenceModes.count ? stored : PresenceModes.events;
}

function leaveReason(stored: string | null): LeaveReason {
	return stored === LeaveReasons.timeout ? LeaveReasons.timeout : LeaveReasons.close;
}
