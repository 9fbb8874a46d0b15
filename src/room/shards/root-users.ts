/**
 * (1.3) At a room's root, the verified users' connections on its shards, so that
 * `MAX_CONNECTIONS_PER_USER` counts a user's connections on every object at the upgrade: a place
 * held for an upgrade sent on to a shard counts from the ticket (memory: it lasts seconds), and a
 * connection the shard took counts from its confirmation (durable, so that a root that hibernated
 * still counts it) until the shard reports it closed or restarts. Development mode has no identity
 * at the upgrade: its Register counts the one roster, which holds every object's connections.
 */

interface Ticketed {
	userId: string;
	expires: number;
}

export class RootUsers {
	readonly #sql: SqlStorage;
	readonly #prepare: () => void;
	readonly #tickets = new Map<string, Ticketed>();

	constructor(sql: SqlStorage, prepare: () => void) {
		this.#sql = sql;
		this.#prepare = prepare;
	}

	/** An upgrade of `userId` placed on a shard: its place counts until the shard confirms it or it expires. */
	ticketed(ticket: string, userId: string, expires: number): void {
		this.#tickets.set(ticket, { userId, expires });
	}

	/** Shard `shard` took the connection `ticket` was for, as `connectionId` of `userId` (verified). */
	opened(ticket: string, shard: number, connectionId: string, userId: string | undefined): void {
		this.#tickets.delete(ticket);
		if (userId === undefined) return;
		this.#prepare();
		this.#sql.exec(
			"INSERT OR REPLACE INTO shard_users (connection_id, shard, user_id) VALUES (?, ?, ?)",
			connectionId,
			shard,
			userId,
		);
	}

	closed(connectionId: string): void {
		this.#prepare();
		this.#sql.exec("DELETE FROM shard_users WHERE connection_id = ?", connectionId);
	}

	/** A shard restarted: the connections it held are gone. */
	shardGone(shard: number): void {
		this.#prepare();
		this.#sql.exec("DELETE FROM shard_users WHERE shard = ?", shard);
	}

	/** (1.4) `userId`'s connections the shards took (registered or not), for a removal. */
	connectionsOf(userId: string, prepared: boolean): { connectionId: string; shard: number }[] {
		if (!prepared) return [];
		const rows = this.#sql.exec<{ connection_id: string; shard: number }>(
			"SELECT connection_id, shard FROM shard_users WHERE user_id = ?",
			userId,
		);
		return [...rows].map((row) => ({ connectionId: row.connection_id, shard: row.shard }));
	}

	/** `userId`'s connections on the shards and places held for it there. */
	count(userId: string, now: number, prepared: boolean): number {
		let held = 0;
		for (const [ticket, { userId: holder, expires }] of this.#tickets) {
			if (expires <= now) this.#tickets.delete(ticket);
			else if (holder === userId) held++;
		}
		if (!prepared) return held;
		const row = this.#sql
			.exec<{ n: number }>("SELECT COUNT(*) AS n FROM shard_users WHERE user_id = ?", userId)
			.toArray()[0];
		return held + (row?.n ?? 0);
	}
}
