/**
 * `getRoom`: a room, for backend code in the same Worker, over the Durable Object's RPC. What it
 * sends is checked as the server routes check a body (the room name, the value rule, `from` and
 * `to`); the room itself checks the size and runs its hooks, and a refusal rejects with its code.
 */
import {
	type ErrorCode,
	isValidRoomName,
	type JsonValue,
	type MessageAckData,
	type OccupancyPage,
	parseServerPost,
	parseUsersQuery,
	type ServerPost,
	type ServerPostField,
	type UsersPage,
} from "../protocol";
import { removalProblem } from "../room/removal";
import type { Room } from "../room/room";
import { BAD_ROOM_TEXT } from "./room-path";

/** A backend call the room (or the handle, before it) refused: `code` is the contract's. */
export class RoomCallError extends Error {
	override readonly name = "RoomCallError";
	readonly code: ErrorCode | "BAD_ROOM";

	constructor(code: ErrorCode | "BAD_ROOM", message: string) {
		super(message);
		this.code = code;
	}
}

/** Who a backend's message or signal is from: a userId (its own name), or a userId and a name. Default: `system`. */
export type SenderOption = string | { userId: string; name?: string };

export interface SendOptions {
	from?: SenderOption;
	/** Only this user's connections receive it; a user not in the room is `USER_NOT_FOUND`. */
	to?: string;
}

/** A page of users (1.3): at most `limit` (1–1000), after the place `cursor` (a page's `cursor`) names. */
export interface UsersPageOptions {
	limit?: number;
	cursor?: string;
}

export interface RoomHandle {
	/** Stores and delivers a message, as `POST /rooms/:room/messages` does; resolves to its acknowledgement. */
	publish(message: JsonValue, options?: SendOptions): Promise<MessageAckData>;
	/** Delivers an ephemeral signal, never stored, as `POST /rooms/:room/signals` does. */
	signal(signal: JsonValue, options?: SendOptions): Promise<void>;
	/**
	 * Everyone present (leave grace included), earliest joiner first; with `limit`, a page of them
	 * and a `cursor` when more follow. A bad `limit` or `cursor` is `RoomCallError` `BAD_REQUEST`.
	 */
	users(options?: UsersPageOptions): Promise<UsersPage>;
	/** How many users and connections the room holds, and how many of its objects hold connections. */
	occupancy(): Promise<OccupancyPage>;
	/**
	 * (1.4) Closes every connection of `userId` with 4003, as `DELETE /rooms/:room/users/:userId`
	 * does; the others hear at once that the user left (reason `"removed"`). With `banSeconds`
	 * (0–604800) the user cannot come back until then. Resolves to how many connections closed; a
	 * user not in the room is `USER_NOT_FOUND` unless a ban was asked for.
	 */
	remove(userId: string, options?: RemoveOptions): Promise<{ removed: number }>;
}

export interface RemoveOptions {
	/** How long the user may not come back, in seconds (0–604800; default 0: no ban). */
	banSeconds?: number;
}

/**
 * The room `room` of the namespace bound for `Room` (or a subclass of it). Throws `RoomCallError`
 * `BAD_ROOM` for a name the contract does not allow.
 */
export function getRoom(namespace: DurableObjectNamespace<Room<unknown>>, room: string): RoomHandle {
	if (typeof room !== "string" || !isValidRoomName(room)) throw new RoomCallError("BAD_ROOM", BAD_ROOM_TEXT);
	// A stub per call: one that saw an error may be broken for good.
	const stub = () => namespace.get(namespace.idFromName(room));
	return {
		async publish(message, options) {
			const { json, from, to } = checkedPost("message", message, options);
			const result = await stub().publish(json, from, to);
			if (!result.ok) throw new RoomCallError(result.code, result.message);
			return result.ack;
		},
		async signal(signal, options) {
			const { json, from, to } = checkedPost("signal", signal, options);
			const result = await stub().signal(json, from, to);
			if (!result.ok) throw new RoomCallError(result.code, result.message);
		},
		async users(options = {}) {
			const { limit, cursor } = options;
			if (limit !== undefined && typeof limit !== "number") {
				throw new RoomCallError("BAD_REQUEST", "limit must be a whole number");
			}
			if (cursor !== undefined && typeof cursor !== "string") {
				throw new RoomCallError("BAD_REQUEST", "cursor must be a string");
			}
			const parsed = parseUsersQuery(room, { limit: limit === undefined ? undefined : String(limit), cursor });
			if (!parsed.ok) throw new RoomCallError("BAD_REQUEST", parsed.message);
			return stub().usersPage(parsed.query);
		},
		occupancy: () => stub().occupancy(),
		async remove(userId, options = {}) {
			const banSeconds = options.banSeconds ?? 0;
			const problem = removalProblem(userId, banSeconds);
			if (problem) throw new RoomCallError("BAD_REQUEST", problem);
			const result = await stub().remove(userId, { banSeconds });
			if (!result.ok) throw new RoomCallError(result.code, result.message);
			return { removed: result.removed };
		},
	};
}

/** The same checks as a server route's body, so that a value passes here exactly when it would there. */
function checkedPost(
	field: ServerPostField,
	value: unknown,
	options: SendOptions = {},
): Omit<ServerPost, "value"> & { json: string } {
	const body: Record<string, unknown> = { [field]: value };
	if (options.from !== undefined) {
		body.from = typeof options.from === "string" ? { userId: options.from } : options.from;
	}
	if (options.to !== undefined) body.to = options.to;
	const parsed = parseServerPost(body, field);
	if (!parsed.ok) throw new RoomCallError("BAD_REQUEST", parsed.message);
	let json: string | undefined;
	try {
		json = JSON.stringify(value);
	} catch {
		// a cycle or a BigInt
	}
	if (json === undefined) throw new RoomCallError("BAD_REQUEST", `${field} is not a JSON value`);
	const { from, to } = parsed.post;
	return to === undefined ? { json, from } : { json, from, to };
}
