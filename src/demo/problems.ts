/**
 * What the demo page says when the room refuses it: what went wrong and what to do, in words,
 * followed by the room's own message. The client library learns a refused upgrade's code and
 * message by asking over HTTP; the page's token (its payload, read unverified) tells an expired
 * token from one the room does not accept, and a room the token does not list.
 */
import type { RoomError } from "../client/errors";
import type { TokenClaims } from "./identity";

export interface ProblemContext {
	room: string;
	/** The page's own origin, as the room's ALLOWED_ORIGINS would list it. */
	origin: string;
	/** The page's token, read; undefined when it has none. */
	claims: TokenClaims | undefined;
	/** Seconds since the epoch. */
	nowSeconds: number;
}

export function describeProblem(error: RoomError, context: ProblemContext): string {
	const advice = adviceFor(error, context);
	return advice ? `${advice} (${error.message})` : `${error.code}: ${error.message}`;
}

function adviceFor(error: RoomError, context: ProblemContext): string | undefined {
	switch (error.code) {
		case "UNAUTHORIZED":
			return unauthorized(error, context);
		case "FORBIDDEN":
			return forbidden(error, context);
		case "ROOM_FULL":
			return "The room is full; trying again.";
		case "REMOVED":
			return "You were removed from this room.";
		case "TOO_MANY_CONNECTIONS":
			return "You are in this room in too many tabs already; close one.";
		case "CONNECTION_FAILED":
			// The one refusal the page cannot learn: its same-origin question carries no Origin header.
			return `Cannot reach the room; trying again. If this lasts, is this page's origin (${context.origin}) in the room's ALLOWED_ORIGINS?`;
		default:
			return undefined;
	}
}

const MINT = "Mint a new one with npm run token.";

function unauthorized(error: RoomError, { claims, nowSeconds }: ProblemContext): string {
	if (!claims) return "This room needs a token: open the page with &token=… (npm run token mints one).";
	if ((claims.exp !== undefined && claims.exp <= nowSeconds) || /expired/.test(error.message)) {
		return `Your token has expired. ${MINT}`;
	}
	if (/not valid yet/.test(error.message)) {
		return "Your token is not valid yet: the clock of whatever minted it runs ahead.";
	}
	return `The room does not accept your token: it was signed with another AUTH_SECRET, or changed since. ${MINT}`;
}

function forbidden(error: RoomError, { room, origin, claims }: ProblemContext): string {
	// (1.4) The room's backend banned this user for a while.
	if (/banned/.test(error.message)) return "You were removed from this room and may not come back yet.";
	if (claims?.rooms !== undefined && !claims.rooms.includes(room)) {
		return `Your token does not let you into this room; it lets you into ${claims.rooms.join(", ") || "none"}.`;
	}
	if (/origin/.test(error.message)) return `This page's origin (${origin}) is not in the room's ALLOWED_ORIGINS.`;
	return "Your token does not let you into this room.";
}
