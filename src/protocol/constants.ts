/**
 * Names and numbers of the room protocol, version 1.5 (docs/PROTOCOL.md).
 * Server, client library and tests import these; nothing here touches the runtime.
 */

/** `ConnectionEstablished.protocol`: the major version, which 1.1 keeps. */
export const PROTOCOL_VERSION = 1;
/** `ConnectionEstablished.version`. */
export const PROTOCOL_REVISION = "1.5";

export const CLIENT_EVENT_TYPE = "ClientEvent";
export const SERVER_EVENT_TYPE = "ServerEvent";

/** Events a client may send. */
export const ClientEvents = {
	Register: "Register",
	SendMessage: "SendMessage",
	Unregister: "Unregister",
	UpdateUser: "UpdateUser",
	Signal: "Signal",
} as const;
export type ClientEventName = (typeof ClientEvents)[keyof typeof ClientEvents];

/** Events the server sends. */
export const ServerEvents = {
	ConnectionEstablished: "ConnectionEstablished",
	Registered: "Registered",
	Unregistered: "Unregistered",
	UserJoined: "UserJoined",
	UserUpdated: "UserUpdated",
	UserLeft: "UserLeft",
	Updated: "Updated",
	Presence: "Presence",
	Occupancy: "Occupancy",
	Message: "Message",
	MessageAck: "MessageAck",
	Signal: "Signal",
	Error: "Error",
} as const;
export type ServerEventName = (typeof ServerEvents)[keyof typeof ServerEvents];

/** Codes carried by an `Error` event on the socket. */
export const ErrorCodes = {
	BAD_JSON: "BAD_JSON",
	BAD_REQUEST: "BAD_REQUEST",
	BAD_FRAME: "BAD_FRAME",
	UNKNOWN_EVENT: "UNKNOWN_EVENT",
	NOT_REGISTERED: "NOT_REGISTERED",
	ALREADY_REGISTERED: "ALREADY_REGISTERED",
	USER_NOT_FOUND: "USER_NOT_FOUND",
	MESSAGE_TOO_LARGE: "MESSAGE_TOO_LARGE",
	RATE_LIMITED: "RATE_LIMITED",
	UNAUTHORIZED: "UNAUTHORIZED",
	/** The room refuses this: a hook's refusal (a server's `onMessage`), and from 1.4 a removed user's. */
	FORBIDDEN: "FORBIDDEN",
	ROOM_FULL: "ROOM_FULL",
	/** A user already holds `MAX_CONNECTIONS_PER_USER` connections in this room. */
	TOO_MANY_CONNECTIONS: "TOO_MANY_CONNECTIONS",
	/** Not a client mistake: the server failed. Sent with a generic text, never a stack trace. */
	INTERNAL: "INTERNAL",
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Codes carried by a JSON error body over HTTP, each with its status. */
export const HttpErrors = {
	BAD_ROOM: 400,
	BAD_REQUEST: 400,
	UNAUTHORIZED: 401,
	FORBIDDEN: 403,
	NOT_FOUND: 404,
	/** Server publish `to` a user not in the room (the socket's code, over HTTP). */
	USER_NOT_FOUND: 404,
	/** Server publish body over `MAX_MESSAGE_BYTES` (the socket's code, over HTTP). */
	MESSAGE_TOO_LARGE: 413,
	UPGRADE_REQUIRED: 426,
	/** An upgrade for a token's `sub` that already holds `MAX_CONNECTIONS_PER_USER` connections. */
	TOO_MANY_CONNECTIONS: 429,
	INTERNAL: 500,
	ROOM_FULL: 503,
} as const;
export type HttpErrorCode = keyof typeof HttpErrors;

/** Why a user left the room, as told in `UserLeft`. */
export const LeaveReasons = {
	unregister: "unregister",
	close: "close",
	timeout: "timeout",
	/** (1.4) A backend removed the user: every connection closed with 4003, the leave told at once. */
	removed: "removed",
} as const;
export type LeaveReason = (typeof LeaveReasons)[keyof typeof LeaveReasons];

/** How a registered connection hears presence (`Register.presence`). */
export const PresenceModes = {
	/** Every change its own frame: UserJoined, UserUpdated, UserLeft (version 1). */
	events: "events",
	/** One `Presence` frame per window, the same for every batched connection. */
	batched: "batched",
	/** No roster: `Occupancy` counts, at most once a second. */
	count: "count",
} as const;
export type PresenceMode = (typeof PresenceModes)[keyof typeof PresenceModes];

/** WebSocket close codes the service uses. */
export const CloseCodes = {
	/** Normal closure. */
	normal: 1000,
	/** Policy violation (abuse): a client must not reconnect. */
	policy: 1008,
	/** The server could not write to the socket; a client may reconnect. */
	internalError: 1011,
	/** Silent for longer than `timeoutMs`: a client should reconnect. */
	idleTimeout: 4000,
	/** More than `MAX_BUFFERED_BYTES` waited for the peer to read: a client should reconnect and resume. */
	tooSlow: 4001,
	/** (1.4) A backend removed the user from the room: a client must not reconnect. */
	removed: 4003,
} as const;

/** The heartbeat every client follows; announced in `ConnectionEstablished`. */
export const HEARTBEAT = {
	request: "ping",
	response: "pong",
	intervalMs: 20_000,
	timeoutMs: 60_000,
} as const;

/** Field limits from the contract. */
export const Limits = {
	idMaxLength: 64,
	nameMaxLength: 64,
	metaMaxBytes: 1024,
	/** Levels of arrays and objects a client-supplied JSON value may nest. */
	valueMaxDepth: 64,
	roomNameMaxLength: 64,
	/** History sent with `Registered` when `since` is given, and without it. */
	resumeHistoryMax: 100,
	joinHistory: 50,
	/** `GET /rooms/:room/messages`: default and largest `limit`. */
	listMessagesDefault: 100,
	listMessagesMax: 500,
	/** `GET /rooms/:room/users` (1.3): the largest `limit` of a page. */
	listUsersMax: 1000,
	/** A clientMessageId is remembered for at least this many of the room's latest messages. */
	dedupWindow: 10_000,
	/** `Occupancy` frames go out at most this often. */
	occupancyIntervalMs: 1000,
	/** A batched frame holds at most this many events (1.2), unless it holds a single one. */
	batchMaxEvents: 256,
	/** A batched frame holds at most this much text (1.2), unless it holds a single event. */
	batchMaxBytes: 1_048_576,
	/** (1.4) The longest ban a removal may ask for: a week. */
	maxBanSeconds: 604_800,
} as const;

/** Room names: 1–64 of `A–Z a–z 0–9 . _ -`, starting with a letter or digit. */
export const ROOM_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function isValidRoomName(room: string): boolean {
	return ROOM_NAME_PATTERN.test(room);
}
