/**
 * The server frames a resuming client reads (docs/PROTOCOL.md 1.1), recognised by their first
 * bytes so that a frame is parsed only when its content is needed. The types name only the fields
 * read here: src/protocol's own types cannot be imported from the benchmark's `nodenext` project
 * (their imports have no file extensions).
 */

/** Every server frame starts so (the server encodes `eventType` first, then `event`). */
const SERVER_EVENT_PREFIX = Buffer.from('{"eventType":"ServerEvent","event":"');
const QUOTE = 0x22;
const PONG = Buffer.from("pong");

export const PRESENCE_MODES = ["events", "batched", "count"] as const;
export type PresenceMode = (typeof PRESENCE_MODES)[number];

export interface UserRef {
	userId: string;
}

export interface MessageRef {
	seq: number;
	message: unknown;
}

export interface RegisteredData {
	self: UserRef;
	users: UserRef[];
	lastSeq: number;
	history: MessageRef[];
}

export interface PresenceData {
	joined: UserRef[];
	updated: UserRef[];
	left: { user: UserRef }[];
}

export interface AckData {
	seq: number;
	duplicate?: true;
}

/** The frames whose `data` this client parses, by event name. */
export interface ParsedData {
	Registered: RegisteredData;
	Presence: PresenceData;
	UserJoined: { user: UserRef };
	UserUpdated: { user: UserRef };
	UserLeft: { user: UserRef };
	Message: MessageRef;
	MessageAck: AckData;
	Error: { code: string; message: string };
}

export type ParsedFrame = {
	[E in keyof ParsedData]: { event: E; requestId?: string; data: ParsedData[E] };
}[keyof ParsedData];

export function isPong(data: Buffer): boolean {
	return data.length === PONG.length && data.equals(PONG);
}

/** The `event` of a server frame, read from its first bytes; undefined for anything else. */
export function serverEventOf(data: Buffer): string | undefined {
	const start = SERVER_EVENT_PREFIX.length;
	if (data.length <= start || data.compare(SERVER_EVENT_PREFIX, 0, start, 0, start) !== 0) return undefined;
	const end = data.indexOf(QUOTE, start);
	return end < 0 ? undefined : data.toString("latin1", start, end);
}

/** Parses a frame whose event was read with `serverEventOf`. */
export function parseFrame(data: Buffer): ParsedFrame {
	return JSON.parse(data.toString("utf8")) as ParsedFrame;
}
