/**
 * Which room a request is for, wherever the rooms app is mounted. Hono's `routePath` is the
 * pattern that matched, the mount's prefix included (`/chat/rooms/*`), so the room is the
 * path's segment where the pattern's `*` stands: no prefix needs to be known in advance.
 */

/** What a request or a call naming a room the rule does not allow is told (`BAD_ROOM`). */
export const BAD_ROOM_TEXT = "room names are 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit";

export interface RoomPath {
	/** The decoded segment, or undefined when it is missing or does not decode. */
	room: string | undefined;
	/** What follows the room's segment: `ws`, `users`, `messages`, … */
	rest: string;
}

/** Reads the room out of `pathname`, for a request matched by a pattern ending in `/rooms/*`. */
export function roomPathOf(pathname: string, routePath: string): RoomPath {
	const at = routePath.split("/").length - 1;
	const segments = pathname.split("/");
	const segment = segments[at];
	const rest = segments.slice(at + 1).join("/");
	if (segment === undefined) return { room: undefined, rest };
	try {
		return { room: decodeURIComponent(segment), rest };
	} catch {
		return { room: undefined, rest };
	}
}

/**
 * Server publish, server signal and (1.4) a user's removal have their own key (`PUBLISH_KEY`);
 * every other room request is a member's.
 */
export function isServerPost(method: string, rest: string): boolean {
	if (method === "DELETE") return rest.startsWith("users/");
	return method === "POST" && (rest === "messages" || rest === "signals");
}
