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
	type ServerPost,
	type ServerPostField,
	type UsersPage,
} from "../protocol";
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

export interface RoomHandle {
	/** Stores and delivers a message, as `POST /rooms/:room/messages` does; resolves to its acknowledgement. */
	publish(message: JsonValue, options?: SendOptions): Promise<MessageAckData>;
	/** Delivers an ephemeral signal, never stored, as `POST /rooms/:room/signals` does. */
	signal(signal: JsonValue, options?: SendOptions): Promise<void>;
	/** Everyone present (leave grace included), earliest joiner first. */
	users(): Promise<UsersPage>;
	/** How many users and connections the room holds. */
	occupancy(): Promise<OccupancyPage>;
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
		users: () => stub().usersPage(),
		occupancy: () => stub().occupancy(),
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
