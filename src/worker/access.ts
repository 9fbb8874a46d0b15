/**
 * Who may do what, decided in the Worker before a request reaches a room: room tokens
 * (`AUTH_SECRET`), allowed origins (`ALLOWED_ORIGINS`) and the server publish key (`PUBLISH_KEY`).
 * Unset means development mode for that check; docs/security.md says what that allows.
 */
import { verify } from "hono/jwt";
import { timingSafeEqual } from "hono/utils/buffer";
import { clock } from "../clock";
import type { Env } from "../env";
import { checkRoomTokenClaims, type RoomTokenClaims, tokenAllowsRoom } from "../protocol";

export interface AccessSettings {
	authSecret?: string;
	/** Lower-cased origins, no trailing slash. */
	allowedOrigins?: Set<string>;
	publishKey?: string;
}

/** Empty strings count as unset, so clearing a variable in the dashboard turns its check off. */
export function readAccess(env: Pick<Env, "AUTH_SECRET" | "ALLOWED_ORIGINS" | "PUBLISH_KEY">): AccessSettings {
	const access: AccessSettings = {};
	if (env.AUTH_SECRET) access.authSecret = env.AUTH_SECRET;
	if (env.PUBLISH_KEY) access.publishKey = env.PUBLISH_KEY;
	const origins = (env.ALLOWED_ORIGINS ?? "").split(",").map(normalizeOrigin).filter(Boolean);
	if (origins.length > 0) access.allowedOrigins = new Set(origins);
	return access;
}

export function normalizeOrigin(origin: string): string {
	return origin.trim().toLowerCase().replace(/\/+$/, "");
}

/** An upgrade without an Origin (a server, wscat) passes; a browser's must be listed. */
export function originAllowed(origin: string | undefined, allowed: Set<string> | undefined): boolean {
	return allowed === undefined || origin === undefined || allowed.has(normalizeOrigin(origin));
}

export type TokenCheck =
	| { ok: true; claims: RoomTokenClaims }
	| { ok: false; status: 401 | 403; code: "UNAUTHORIZED" | "FORBIDDEN"; message: string };

/**
 * Verifies a room token for a room: HS256 only (an `alg: none` or any other header is refused),
 * signature, expiry (required), then the claims and the room list.
 */
export async function checkRoomToken(token: string | undefined, secret: string, room: string): Promise<TokenCheck> {
	const unauthorized = (message: string): TokenCheck => ({ ok: false, status: 401, code: "UNAUTHORIZED", message });
	if (!token) return unauthorized("this room needs ?token= (a room token)");
	let payload: unknown;
	try {
		// The times are checked below, on the service's clock, with leeway for iat and nbf.
		payload = await verify(token, secret, { alg: "HS256", exp: false, iat: false, nbf: false });
	} catch {
		return unauthorized("the token is not valid");
	}
	const now = clock.now();
	if (expired(payload, now)) return unauthorized("the token has expired");
	if (!validYet(payload, now)) return unauthorized("the token is not valid yet (nbf or iat in the future)");
	const checked = checkRoomTokenClaims(payload);
	if (!checked.ok) return unauthorized(`the token's claims are not valid: ${checked.message}`);
	if (!tokenAllowsRoom(checked.claims, room)) {
		return { ok: false, status: 403, code: "FORBIDDEN", message: `the token does not allow room "${room}"` };
	}
	return checked;
}

/** Seconds a token's `nbf`/`iat` may lie in the future: clocks of different machines disagree a little. */
export const CLOCK_LEEWAY_SECONDS = 60;

/** A token past its `exp` (a missing or ill-typed `exp` is left to the claims check). */
function expired(payload: unknown, nowMs: number): boolean {
	if (typeof payload !== "object" || payload === null) return false;
	const exp: unknown = (payload as Record<string, unknown>).exp;
	return typeof exp === "number" && exp <= nowMs / 1000;
}

function validYet(payload: unknown, nowMs: number): boolean {
	if (typeof payload !== "object" || payload === null) return true; // the claims check refuses it
	const latest = nowMs / 1000 + CLOCK_LEEWAY_SECONDS;
	for (const claim of ["nbf", "iat"] as const) {
		const value: unknown = (payload as Record<string, unknown>)[claim];
		if (value === undefined) continue;
		if (typeof value !== "number" || !Number.isFinite(value) || value > latest) return false;
	}
	return true;
}

/** Compares a presented key with the configured one in constant time (both hashed first). */
export async function publishKeyMatches(authorization: string | undefined, key: string): Promise<boolean> {
	const match = /^Bearer +(\S+)\s*$/i.exec(authorization ?? "");
	const presented = match?.[1];
	if (!presented) return false;
	return timingSafeEqual(presented, key);
}
