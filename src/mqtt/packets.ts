/**
 * MQTT 3.1.1 packets in and out. Inbound packets are decoded by mqtt-packet (MQTT.js's own parser),
 * fed exactly one complete packet at a time by framing.ts. Outbound packets are a handful of fixed
 * layouts, written by hand: the PUBLISH is the hot path, and the others are 2 to 4 bytes plus a
 * SUBACK's codes, so the generator (and its stream machinery) stays out of the Worker.
 */
/// <reference path="./shims/parser.d.ts" />
import type { Packet, Parser } from "mqtt-packet";
import ParserClass from "mqtt-packet/parser.js";

export type {
	IConnectPacket,
	IPubackPacket,
	IPublishPacket,
	ISubscribePacket,
	IUnsubscribePacket,
	Packet,
} from "mqtt-packet";

export class MalformedPacket extends Error {}

/** The settings a parser starts each packet with: a CONNECT replaces them with itself (see below). */
const LEVEL_4 = { protocolVersion: 4 };

let parser: Parser = newParser();
let decoded: Packet | undefined;
let count = 0;
let consumedExactly = false;
let failure: Error | undefined;

function newParser(): Parser {
	const fresh = ParserClass.parser({ ...LEVEL_4 });
	// Both events are emitted synchronously from inside parse().
	fresh.on("packet", (packet: Packet) => {
		count++;
		decoded = packet;
		// The parser reads a packet's fields up to `_pos` and then drops `length` bytes whatever it
		// read: a PUBLISH's payload runs to the end, any other packet must have been read to its end.
		const read = (fresh as unknown as { _pos: number })._pos;
		consumedExactly = packet.cmd === "publish" ? read <= (packet.length ?? 0) : read === packet.length;
	});
	fresh.on("error", (error: Error) => {
		failure = error;
	});
	return fresh;
}

/**
 * Decodes ONE complete packet (exactly its bytes, as framing.ts cut them); throws MalformedPacket
 * on anything mqtt-packet rejects or leaves unread. One parser serves every connection: it is fed
 * a whole packet at a time, so nothing of one call is left for the next, and its settings (which a
 * CONNECT of level 5 would switch to MQTT 5 parsing) are reset before each packet. A parser left
 * mid-packet or in error is replaced.
 */
export function decodePacket(bytes: Uint8Array): Packet {
	decoded = undefined;
	failure = undefined;
	count = 0;
	consumedExactly = false;
	(parser as unknown as { settings: object }).settings = LEVEL_4;
	let left = -1;
	try {
		// bl appends a view of the bytes (no copy); a PUBLISH's payload is then a copy (bl's slice).
		left = parser.parse(bytes as never);
	} catch (error) {
		failure = error instanceof Error ? error : new Error(String(error));
	}
	const packet = decoded as Packet | undefined;
	if (failure || packet === undefined || count !== 1 || left !== 0) {
		parser = newParser();
		const unknownLevel = failure ? connectOfUnknownLevel(bytes) : undefined;
		if (unknownLevel) return unknownLevel;
		throw new MalformedPacket(failure?.message ?? "incomplete or trailing bytes");
	}
	if (!consumedExactly) throw new MalformedPacket(`${packet.cmd}: bytes left unread`);
	const problem = levelFourProblem(packet);
	if (problem) throw new MalformedPacket(problem);
	return packet;
}

/** What 3.1.1 requires that mqtt-packet leaves to its caller. */
function levelFourProblem(packet: Packet): string | undefined {
	switch (packet.cmd) {
		case "auth":
			return "packet type 15 is reserved in MQTT 3.1.1";
		case "publish":
			if (packet.qos > 0 && !validId(packet.messageId)) return "publish: packet identifier must be 1..65535";
			return undefined;
		case "subscribe":
			if (!validId(packet.messageId)) return "subscribe: packet identifier must be 1..65535";
			if (packet.subscriptions.length === 0) return "subscribe: no topic filter";
			return undefined;
		case "unsubscribe":
			if (!validId(packet.messageId)) return "unsubscribe: packet identifier must be 1..65535";
			if (packet.unsubscriptions.length === 0) return "unsubscribe: no topic filter";
			return undefined;
		case "puback":
		case "pubrec":
		case "pubrel":
		case "pubcomp":
			return validId(packet.messageId) ? undefined : `${packet.cmd}: packet identifier must be 1..65535`;
		default:
			return undefined;
	}
}

function validId(id: number | undefined): boolean {
	return id !== undefined && id >= 1 && id <= 0xffff;
}

/**
 * A CONNECT whose protocol level mqtt-packet does not know (it reads 3, 4 and 5) still names the
 * level: 3.1.1 answers it with CONNACK 1 rather than a bare close [MQTT-3.1.2-2], so its name and
 * level are read here and the rest is left empty.
 */
function connectOfUnknownLevel(bytes: Uint8Array): Packet | undefined {
	if (bytes[0] !== 0x10) return undefined;
	let at = 1;
	while (at < bytes.length && at < 5 && (bytes[at] ?? 0) & 0x80) at++;
	at++;
	if (bytes[at] !== 0 || bytes[at + 1] !== 4) return undefined;
	const name = String.fromCharCode(...bytes.subarray(at + 2, at + 6));
	const level = bytes[at + 6];
	if (name !== "MQTT" || level === undefined || level === 3 || level === 4 || level === 5) return undefined;
	return { cmd: "connect", protocolId: "MQTT", protocolVersion: level as 4, clientId: "", clean: true, keepalive: 0 };
}

export function encodeConnack(returnCode: number, sessionPresent: boolean): Uint8Array {
	return Uint8Array.of(0x20, 2, sessionPresent ? 1 : 0, returnCode);
}

export function encodeSuback(messageId: number, granted: number[]): Uint8Array {
	const remaining = 2 + granted.length;
	const header = lengthBytes(remaining);
	const out = new Uint8Array(1 + header.length + remaining);
	out[0] = 0x90;
	out.set(header, 1);
	let at = 1 + header.length;
	out[at++] = messageId >> 8;
	out[at++] = messageId & 0xff;
	out.set(granted, at);
	return out;
}

export function encodeUnsuback(messageId: number): Uint8Array {
	return Uint8Array.of(0xb0, 2, messageId >> 8, messageId & 0xff);
}

export function encodePuback(messageId: number): Uint8Array {
	return Uint8Array.of(0x40, 2, messageId >> 8, messageId & 0xff);
}

/** Shared by every connection: never written to (ws.send copies what it sends). */
export const PINGRESP: Uint8Array = Uint8Array.of(0xd0, 0);

const MAX_REMAINING_LENGTH = 268_435_455;
const utf8 = new TextEncoder();

/** PUBLISH built by hand (the hot path: no mqtt-packet): fixed header, remaining length, topic, packet id when qos>0, payload. */
export function encodePublish(
	topic: string,
	payload: Uint8Array,
	qos: 0 | 1,
	messageId?: number,
	flags?: { dup?: boolean; retain?: boolean },
): Uint8Array {
	const topicBytes = utf8.encode(topic);
	if (topicBytes.length > 0xffff) throw new RangeError("topic over 65535 bytes");
	if (qos > 0 && !validId(messageId)) throw new RangeError("a QoS 1 PUBLISH needs a packet identifier 1..65535");
	const remaining = 2 + topicBytes.length + (qos > 0 ? 2 : 0) + payload.length;
	if (remaining > MAX_REMAINING_LENGTH) throw new RangeError("PUBLISH over MQTT's 256 MB");
	const header = lengthBytes(remaining);
	const out = new Uint8Array(1 + header.length + remaining);
	out[0] = 0x30 | (flags?.dup ? 0x08 : 0) | (qos << 1) | (flags?.retain ? 0x01 : 0);
	out.set(header, 1);
	let at = 1 + header.length;
	out[at++] = topicBytes.length >> 8;
	out[at++] = topicBytes.length & 0xff;
	out.set(topicBytes, at);
	at += topicBytes.length;
	if (qos > 0) {
		const id = messageId as number;
		out[at++] = id >> 8;
		out[at++] = id & 0xff;
	}
	out.set(payload, at);
	return out;
}

/** A remaining length as MQTT's variable byte integer (1 to 4 bytes, 7 bits each, low first). */
function lengthBytes(length: number): Uint8Array {
	const bytes: number[] = [];
	let rest = length;
	do {
		let byte = rest % 128;
		rest = Math.floor(rest / 128);
		if (rest > 0) byte |= 0x80;
		bytes.push(byte);
	} while (rest > 0);
	return Uint8Array.from(bytes);
}
