/**
 * (1.4) The users a backend banned from the room, until when: kept in the root's SQLite, so that a
 * ban outlives restarts and hibernation, and read through a small cache (bans are few; every
 * upgrade with a token and every `Register` asks). A ban ends by itself: every question compares
 * its end with the clock, so no timer is needed; ended rows are deleted with the next ban written.
 */
import { ErrorCodes, httpErrorResponse, ProtocolError } from "../protocol";
import type { VerifiedIdentity } from "./handoff";

/** The table, for the room's migration list. */
export function createBansTable(sql: SqlStorage): void {
	sql.exec("CREATE TABLE bans (user_id TEXT PRIMARY KEY, until INTEGER NOT NULL) WITHOUT ROWID");
}

export interface BansOptions {
	sql: SqlStorage;
	/** Gives the room its tables before the first write. */
	prepare: () => void;
	/** Whether the tables exist: until then the room has banned nobody. */
	prepared: () => boolean;
}

export class RoomBans {
	readonly #options: BansOptions;
	/** userId → the ban's end (epoch ms); read from storage on first use after a wake-up. */
	#cache: Map<string, number> | undefined;

	constructor(options: BansOptions) {
		this.#options = options;
	}

	/**
	 * Bans `userId` until `until` (epoch ms). The latest ban decides, shorter or longer, so that a
	 * backend can shorten one it gave; ended bans go in the same write.
	 */
	ban(userId: string, until: number, now: number): void {
		const { sql, prepare } = this.#options;
		prepare();
		const bans = this.#bans();
		sql.exec("INSERT OR REPLACE INTO bans (user_id, until) VALUES (?, ?)", userId, until);
		bans.set(userId, until);
		sql.exec("DELETE FROM bans WHERE until <= ?", now);
		for (const [banned, end] of bans) if (end <= now) bans.delete(banned);
	}

	/** When `userId`'s ban ends, or undefined when it is not banned at `now`. */
	bannedUntil(userId: string, now: number): number | undefined {
		const until = this.#bans().get(userId);
		return until !== undefined && until > now ? until : undefined;
	}

	/** Whether some ban still holds at `now`: a room that would otherwise keep nothing keeps it. */
	holdsAny(now: number): boolean {
		for (const until of this.#bans().values()) if (until > now) return true;
		return false;
	}

	/** When the next ban ends (a room that keeps only bans deletes its storage then), if one holds. */
	nextEnd(now: number): number | undefined {
		const ends = [...this.#bans().values()].filter((until) => until > now);
		return ends.length > 0 ? Math.min(...ends) : undefined;
	}

	/** Storage was deleted under the room: it bans nobody. */
	forget(): void {
		this.#cache = undefined;
	}

	#bans(): Map<string, number> {
		if (this.#cache) return this.#cache;
		const { sql, prepared } = this.#options;
		const rows = prepared() ? sql.exec<{ user_id: string; until: number }>("SELECT user_id, until FROM bans") : [];
		this.#cache = new Map([...rows].map((row) => [row.user_id, row.until]));
		return this.#cache;
	}
}

const bannedText = (userId: string, until: number) =>
	`"${userId}" is banned from this room until ${new Date(until).toISOString()}`;

/** An upgrade with a token for a banned user: `403 FORBIDDEN`. */
export function banRefusal(bans: RoomBans, verified: VerifiedIdentity | undefined, now: number): Response | undefined {
	const until = verified && bans.bannedUntil(verified.userId, now);
	return until ? httpErrorResponse("FORBIDDEN", bannedText((verified as VerifiedIdentity).userId, until)) : undefined;
}

/** A `Register` as a banned user: `Error` `FORBIDDEN` (thrown for the handler's caller). */
export function checkNotBanned(bans: RoomBans, userId: string, now: number): void {
	const until = bans.bannedUntil(userId, now);
	if (until !== undefined) throw new ProtocolError(ErrorCodes.FORBIDDEN, bannedText(userId, until));
}
