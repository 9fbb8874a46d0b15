/**
 * `GET /rooms/:room/users?limit=M&cursor=C` (1.3): the page size and the cursor, checked like
 * frames. A cursor names a place in the roster's order (a user's `joinedAt` and `userId`), not an
 * index, so a page asked for after the room hibernated or restarted continues where the last one
 * ended; it carries the room's name, so that one room's cursor is refused by another.
 */
import * as v from "valibot";
import { Limits } from "./constants";
import type { QueryResult } from "./queries";
import { UserIdSchema } from "./schemas";

/** A place in the roster's order: after the user who joined at `joinedAt` with this `userId`. */
export interface UsersPosition {
	joinedAt: number;
	userId: string;
}

/** A page request: at most `limit` users after `after` (from the first user without it). */
export interface UsersQuery {
	/** Absent: every user (after `after`, when given). */
	limit?: number;
	after?: UsersPosition;
}

/** Longer than any cursor the room issues (a 64-character room, a 64-character userId, escaped). */
const CURSOR_MAX_LENGTH = 1024;

const LimitSchema = v.pipe(
	v.string(),
	v.regex(/^\d{1,16}$/, "limit must be a whole number"),
	v.transform(Number),
	v.minValue(1, "limit must be at least 1"),
	v.maxValue(Limits.listUsersMax, `limit must be at most ${Limits.listUsersMax}`),
);

const PositionSchema = v.strictTuple([v.string(), v.pipe(v.number(), v.safeInteger(), v.minValue(0)), UserIdSchema]);

/** The cursor that continues after `position` in `room`: base64url of JSON, opaque to clients. */
export function encodeUsersCursor(room: string, position: UsersPosition): string {
	const bytes = new TextEncoder().encode(JSON.stringify([room, position.joinedAt, position.userId]));
	let binary = "";
	for (const byte of bytes) binary += String.fromCharCode(byte);
	return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The place a cursor of `room` names, or undefined for anything the room did not issue. */
export function decodeUsersCursor(room: string, cursor: string): UsersPosition | undefined {
	if (cursor.length > CURSOR_MAX_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
	let value: unknown;
	try {
		const binary = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
		const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
		value = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes));
	} catch {
		return undefined;
	}
	const parsed = v.safeParse(PositionSchema, value);
	if (!parsed.success || parsed.output[0] !== room) return undefined;
	const position = { joinedAt: parsed.output[1], userId: parsed.output[2] };
	// Only the room's own spelling: another encoding of the same place was not issued by it.
	return encodeUsersCursor(room, position) === cursor ? position : undefined;
}

/**
 * The page a request asks for in `room`: `limit` 1–1000, `cursor` one this room issued. Neither:
 * every user, as before 1.3; a cursor without a limit: every user after it.
 */
export function parseUsersQuery(room: string, params: Record<string, string | undefined>): QueryResult<UsersQuery> {
	const query: UsersQuery = {};
	if (params.limit !== undefined) {
		const limit = v.safeParse(LimitSchema, params.limit);
		if (!limit.success) return { ok: false, message: limit.issues[0].message };
		query.limit = limit.output;
	}
	if (params.cursor !== undefined) {
		const after = decodeUsersCursor(room, params.cursor);
		if (!after) return { ok: false, message: "cursor is not one this room's users page gave" };
		query.after = after;
	}
	return { ok: true, query };
}
