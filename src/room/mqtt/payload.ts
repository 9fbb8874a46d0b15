/** (1.5) MQTT payloads and small packets: a payload as the room's value, and the 4-byte acknowledgements. */
import { encodePublish } from "../../mqtt/packets";
import type { JsonValue } from "../../protocol";

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** A payload as the room's value: UTF-8 JSON as that value, other UTF-8 as the string; undefined if not UTF-8. */
export function payloadValue(payload: Uint8Array): JsonValue | undefined {
	let text: string;
	try {
		text = decoder.decode(payload);
	} catch {
		return undefined;
	}
	try {
		return JSON.parse(text) as JsonValue;
	} catch {
		return text;
	}
}

export function safeText(bytes: Uint8Array | string): string | undefined {
	if (typeof bytes === "string") return bytes;
	try {
		return decoder.decode(bytes);
	} catch {
		return undefined;
	}
}

export function toBytes(value: Uint8Array | string): Uint8Array {
	return typeof value === "string" ? new TextEncoder().encode(value) : value;
}

export function utf8Length(text: string): number {
	return new TextEncoder().encode(text).length;
}

export function ackPacket(type: number, packetId: number): Uint8Array {
	return new Uint8Array([type, 2, packetId >> 8, packetId & 0xff]);
}

export function retainedPublish(topic: string, payload: Uint8Array): Uint8Array {
	return encodePublish(topic, payload, 0, undefined, { retain: true });
}
