/**
 * Access control in the protocol: the claims a room token carries, and the body of a server
 * publish. Checked with the same care as frames; shared with the token script and the tests.
 */
import * as v from "valibot";
import { isValidRoomName, Limits } from "./constants";
import { boundedString, isJsonObject, issueText, jsonValue, UserIdSchema } from "./schemas";
import type { MessageSender } from "./types";

/** Claims of a room token (HS256 over `AUTH_SECRET`). */
export interface RoomTokenClaims {
	/** The userId this token is for. */
	sub: string;
	/** Expiry, epoch seconds. */
	exp: number;
	/** Display name; when present it is the user's name in every room. */
	name?: string;
	/** Rooms the token may enter; every room when absent. */
	rooms?: string[];
}

export const RoomTokenClaimsSchema = v.looseObject({
	sub: UserIdSchema,
	exp: v.pipe(v.number("exp must be a number"), v.finite("exp must be a finite number")),
	name: v.optional(boundedString("name", Limits.nameMaxLength)),
	rooms: v.optional(
		v.array(
			v.pipe(v.string("rooms must list room names"), v.check(isValidRoomName, "rooms must list valid room names")),
			"rooms must be an array of room names",
		),
	),
});

export type ClaimsResult = { ok: true; claims: RoomTokenClaims } | { ok: false; message: string };

/** Checks the claims of a token whose signature and expiry were already verified. */
export function checkRoomTokenClaims(payload: unknown): ClaimsResult {
	const result = v.safeParse(RoomTokenClaimsSchema, payload);
	if (!result.success) return { ok: false, message: issueText(result.issues) };
	const { sub, exp, name, rooms } = result.output;
	const claims: RoomTokenClaims = { sub, exp };
	if (name !== undefined) claims.name = name;
	if (rooms !== undefined) claims.rooms = rooms;
	return { ok: true, claims };
}

/** Whether a token's claims let it into a room. */
export function tokenAllowsRoom(claims: RoomTokenClaims, room: string): boolean {
	return claims.rooms === undefined || claims.rooms.includes(room);
}

/** `POST /rooms/:room/messages` and `POST /rooms/:room/signals`: the value, who it is from, to whom. */
export type ServerPostField = "message" | "signal";

export interface ServerPost {
	/** The message or the signal. */
	value: unknown;
	from: MessageSender;
	to?: string;
}

const senderSchema = v.strictObject({
	userId: UserIdSchema,
	name: v.optional(boundedString("from.name", Limits.nameMaxLength)),
});

const serverPostSchemas = {
	message: v.strictObject({
		message: v.pipe(v.unknown(), jsonValue("message")),
		from: v.optional(senderSchema),
		to: v.optional(boundedString("to", Limits.idMaxLength)),
	}),
	signal: v.strictObject({
		signal: v.pipe(v.unknown(), jsonValue("signal")),
		from: v.optional(senderSchema),
		to: v.optional(boundedString("to", Limits.idMaxLength)),
	}),
} as const;

/** The sender of a server publish or signal that names none. */
export const SYSTEM_SENDER: MessageSender = { userId: "system", name: "system" };

export type ServerPostParse = { ok: true; post: ServerPost } | { ok: false; message: string };

/** Checks a server route's body already parsed from JSON; fills in the default sender. */
export function parseServerPost(value: unknown, field: ServerPostField): ServerPostParse {
	if (!isJsonObject(value)) return { ok: false, message: "body must be a JSON object" };
	if (!Object.hasOwn(value, field)) return { ok: false, message: `${field} is required` };
	const result = v.safeParse(serverPostSchemas[field], value);
	if (!result.success) return { ok: false, message: issueText(result.issues) };
	const { from, to } = result.output;
	const sender: MessageSender = from ? { userId: from.userId, name: from.name ?? from.userId } : SYSTEM_SENDER;
	const post: ServerPost = { value: value[field], from: sender };
	if (to !== undefined) post.to = to;
	return { ok: true, post };
}
