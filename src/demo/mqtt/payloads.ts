/**
 * What the MQTT demo page reads and writes on the room's topics: the payloads are the protocol's
 * own JSON (a `Message`, a `Signal`'s data, the counts), so the page shows what the chat shows.
 * Anything malformed is ignored rather than shown: a payload comes from the network.
 */
import type { Message, SignalData } from "../../protocol/types";

/** The retained `presence` publication. */
export interface RoomCounts {
	userCount: number;
	connectionCount: number;
}

/** A topic and the QoS the page asks for it. */
export type Subscription = [topic: string, qos: 0 | 1];

/** The topics of the page's user; `messages/USER` only where the user id can be one topic level. */
export function roomSubscriptions(userId: string): Subscription[] {
	const direct = directTopic(userId);
	return [["messages", 1], ...(direct ? [[direct, 1] as Subscription] : []), ["signals", 0], ["presence", 0]];
}

/** `messages/USER`, or undefined where the id holds a character no topic level may (`/`, `+`, `#`, NUL). */
export function directTopic(userId: string): string | undefined {
	return /[/+#]/.test(userId) || userId.includes("\0") ? undefined : `messages/${userId}`;
}

/**
 * The payload of a chat message: the chat sends its text as a JSON string, and the room reads an
 * MQTT payload that is JSON as that value, so a text that looks like JSON (`42`, `{}`) stays text.
 */
export function textPayload(text: string): string {
	return JSON.stringify(text);
}

function parse(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isSender(value: unknown): value is Message["from"] {
	return isObject(value) && typeof value.userId === "string" && typeof value.name === "string";
}

/** A `messages` or `messages/USER` payload: the room's `Message`. */
export function readMessage(text: string): Message | undefined {
	const value = parse(text);
	if (!isObject(value) || !isSender(value.from) || !("message" in value)) return undefined;
	const { id, seq, sentAt, to } = value;
	if (typeof id !== "string" || typeof seq !== "number" || typeof sentAt !== "number") return undefined;
	if (to !== undefined && typeof to !== "string") return undefined;
	return { id, seq, from: value.from, message: value.message, sentAt, ...(to !== undefined ? { to } : {}) };
}

/** A `signals` payload: a `Signal`'s data, who sent it included. */
export function readSignal(text: string): SignalData | undefined {
	const value = parse(text);
	if (!isObject(value) || !isSender(value.from) || !("signal" in value) || typeof value.sentAt !== "number") {
		return undefined;
	}
	return { from: value.from, signal: value.signal, sentAt: value.sentAt };
}

/** A `presence` payload. */
export function readCounts(text: string): RoomCounts | undefined {
	const value = parse(text);
	if (!isObject(value)) return undefined;
	const { userCount, connectionCount } = value;
	if (typeof userCount !== "number" || typeof connectionCount !== "number") return undefined;
	return { userCount, connectionCount };
}

/** What a CONNACK return code means for someone looking at the page, and whether trying again may help. */
export function refusalText(returnCode: number): string {
	switch (returnCode) {
		case 1:
			return "The room speaks MQTT 3.1.1 only (protocol level 4).";
		case 2:
			return "The room refused this client id: at most 64 characters.";
		case 3:
			return "The room is full; reload the page to try again.";
		case 4:
			return "The room refused the user name or token: a token must be a room token whose sub is this user. Mint one with npm run token.";
		case 5:
			return "Not allowed into this room: the token is expired, signed with another secret or for other rooms, or this user is banned or in too many tabs already.";
		default:
			return `The room refused the connection (CONNACK ${returnCode}).`;
	}
}
