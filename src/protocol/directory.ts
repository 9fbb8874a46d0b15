/**
 * (1.4) `GET /rooms?prefix=P&limit=M&cursor=C`, the directory of occupied rooms: its query, checked
 * like frames, and its page. Rooms come by name (room names are ASCII, so JavaScript's order is
 * the bytes' order, as SQLite sorts them); a cursor is the last name a page gave, base64url, so
 * a page asked for later continues after that name whatever came or went meanwhile.
 */
import * as v from "valibot";
import { isValidRoomName } from "./constants";
import type { QueryResult } from "./queries";

/** `GET /rooms`: the default and the largest `limit`. */
export const DirectoryLimits = {
	listRoomsDefault: 100,
	listRoomsMax: 1000,
} as const;

/** One occupied room: its users (leave grace included) and connections, and since when it is occupied. */
export interface DirectoryRoom {
	room: string;
	userCount: number;
	connectionCount: number;
	/** Epoch ms: when the room's first user of this occupancy came. */
	occupiedAt: number;
}

/** The body of `GET /rooms`. */
export interface DirectoryPage {
	rooms: DirectoryRoom[];
	/** Present when more rooms follow this page: pass it back for the next one. */
	cursor?: string;
}

/** A page request: at most `limit` rooms whose names start with `prefix`, after the name `after`. */
export interface DirectoryQuery {
	/** "" for every room. */
	prefix: string;
	limit: number;
	after?: string;
}

/** A prefix of a room name: what a name may start with (1–64 of its characters). */
const PREFIX_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const LimitSchema = v.pipe(
	v.string(),
	v.regex(/^\d{1,16}$/, "limit must be a whole number"),
	v.transform(Number),
	v.minValue(1, "limit must be at least 1"),
	v.maxValue(DirectoryLimits.listRoomsMax, `limit must be at most ${DirectoryLimits.listRoomsMax}`),
);

/** The cursor after the room `name`: base64url of the name, opaque to clients. */
export function encodeDirectoryCursor(name: string): string {
	return btoa(name).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The name a cursor continues after, or undefined for anything the directory did not issue. */
export function decodeDirectoryCursor(cursor: string): string | undefined {
	if (cursor.length > 128 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
	let name: string;
	try {
		name = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
	} catch {
		return undefined;
	}
	// Only the directory's own spelling of a room name.
	return isValidRoomName(name) && encodeDirectoryCursor(name) === cursor ? name : undefined;
}

/** The page a request asks for: `prefix` the start of a room name (default all), `limit` 1–1000 (default 100), `cursor` one a page gave. */
export function parseDirectoryQuery(params: Record<string, string | undefined>): QueryResult<DirectoryQuery> {
	const query: DirectoryQuery = { prefix: "", limit: DirectoryLimits.listRoomsDefault };
	if (params.prefix !== undefined && params.prefix !== "") {
		if (!PREFIX_PATTERN.test(params.prefix)) {
			return {
				ok: false,
				message: "prefix must be the start of a room name (A-Z a-z 0-9 . _ -, a letter or digit first)",
			};
		}
		query.prefix = params.prefix;
	}
	if (params.limit !== undefined) {
		const limit = v.safeParse(LimitSchema, params.limit);
		if (!limit.success) return { ok: false, message: limit.issues[0].message };
		query.limit = limit.output;
	}
	if (params.cursor !== undefined) {
		const after = decodeDirectoryCursor(params.cursor);
		if (after === undefined) return { ok: false, message: "cursor is not one a page of GET /rooms gave" };
		query.after = after;
	}
	return { ok: true, query };
}
