/**
 * How the Worker hands a verified identity to the room with the upgrade request. The room is
 * reachable only through the Worker, which always removes this header from what a client sent
 * and sets it only after verifying a token; the room trusts it and stores it, never the token.
 */
import * as v from "valibot";
import { Limits, UserIdSchema } from "../protocol";
import { boundedString, issueText } from "../protocol/schemas";

export const VERIFIED_IDENTITY_HEADER = "X-Edge-Rooms-Verified-Identity";

/**
 * (1.3) A room's root answers an upgrade it places on a shard with this header (`{"shard","ticket"}`)
 * instead of a socket; the Worker follows it to the shard and never passes it on to a client.
 */
export const PLACEMENT_HEADER = "X-Edge-Rooms-Placement";

/** (1.3) The ticket the Worker hands a shard with an upgrade the root placed there; never taken from a client. */
export const TICKET_HEADER = "X-Edge-Rooms-Ticket";

/** Whether a request asks for a WebSocket; the Worker and the room tell an upgrade from a plain GET alike. */
export function isWebSocketUpgrade(request: Request): boolean {
	return request.headers.get("Upgrade")?.toLowerCase() === "websocket";
}

/** Who a token says the connection is. */
export interface VerifiedIdentity {
	userId: string;
	/** Set when the token carries a name: then it is the user's name, not the client's choice. */
	name?: string;
}

const VerifiedIdentitySchema = v.strictObject({
	userId: UserIdSchema,
	name: v.optional(boundedString("name", Limits.nameMaxLength)),
});

/** What a Worker's own sign-in (`authorize`) says: checked as a token's claims are, other fields ignored. */
const AuthorizedIdentitySchema = v.looseObject(VerifiedIdentitySchema.entries);

export type IdentityCheck = { ok: true; identity: VerifiedIdentity } | { ok: false; message: string };

/** Checks an identity the Worker's code decided on, before it is bound to a connection. */
export function checkIdentity(value: unknown): IdentityCheck {
	const result = v.safeParse(AuthorizedIdentitySchema, value);
	if (!result.success) return { ok: false, message: issueText(result.issues) };
	const { userId, name } = result.output;
	return { ok: true, identity: name === undefined ? { userId } : { userId, name } };
}

/**
 * A copy of the request for the room: the client's identity header removed and, when given, the
 * verified one set (URI-encoded: header values are ASCII, names need not be). The token itself
 * is taken out of the URL; the room never needs it.
 */
export function withVerifiedIdentity(request: Request, identity: VerifiedIdentity | undefined): Request {
	// Nothing to take out and nothing to add (no query, no such header): no copy per upgrade.
	const internal = request.headers.has(VERIFIED_IDENTITY_HEADER) || request.headers.has(TICKET_HEADER);
	if (!identity && !request.url.includes("?") && !internal) return request;
	const url = new URL(request.url);
	url.searchParams.delete("token");
	const forwarded = new Request(url, request);
	forwarded.headers.delete(VERIFIED_IDENTITY_HEADER);
	forwarded.headers.delete(TICKET_HEADER);
	if (identity) forwarded.headers.set(VERIFIED_IDENTITY_HEADER, encodeURIComponent(JSON.stringify(identity)));
	return forwarded;
}

/** The identity the Worker verified, or undefined in development mode. Throws on a malformed header. */
export function readVerifiedIdentity(request: Request): VerifiedIdentity | undefined {
	const raw = request.headers.get(VERIFIED_IDENTITY_HEADER);
	if (raw === null) return undefined;
	const { userId, name } = v.parse(VerifiedIdentitySchema, JSON.parse(decodeURIComponent(raw)));
	return name === undefined ? { userId } : { userId, name };
}
