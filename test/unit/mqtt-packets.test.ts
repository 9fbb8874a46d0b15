/**
 * The codec glue (src/mqtt/packets.ts): what we encode by hand is byte for byte what mqtt-packet
 * (MQTT.js's codec) generates and parses back; what clients send is decoded, and anything
 * malformed is a MalformedPacket, never another error or a half-read packet.
 */
import fc from "fast-check";
import { generate, type Packet, parser } from "mqtt-packet";
import { describe, expect, it } from "vitest";
import {
	decodePacket,
	encodeConnack,
	encodePuback,
	encodePublish,
	encodeSuback,
	encodeUnsuback,
	type IConnectPacket,
	type IPublishPacket,
	MalformedPacket,
	PINGRESP,
} from "../../src/mqtt/packets";

const hex = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
const utf8 = (text: string) => new TextEncoder().encode(text);

/** What a fresh MQTT.js-side parser (level 4) reads from bytes: every packet it emits. */
function parsedByMqttPacket(bytes: Uint8Array): Packet[] {
	const packets: Packet[] = [];
	const client = parser({ protocolVersion: 4 });
	client.on("packet", (packet) => packets.push(packet));
	client.on("error", (error) => {
		throw error;
	});
	client.parse(Buffer.from(bytes));
	return packets;
}

describe("encoding", () => {
	it.each([
		["QoS 0", "messages", utf8('{"id":"m1","seq":1}'), 0, undefined, {}],
		["QoS 1 with DUP", "messages/ann", utf8("x"), 1, 65535, { dup: true }],
		["retained, empty payload", "presence", new Uint8Array(0), 0, undefined, { retain: true }],
		["a UTF-8 topic and a 2-byte length", "messages/zoë", new Uint8Array(300).fill(1), 1, 1, {}],
		["a 3-byte length", "signals", new Uint8Array(20_000).fill(2), 0, undefined, {}],
	] as const)("PUBLISH, %s: as mqtt-packet generates it", (_, topic, payload, qos, messageId, flags) => {
		const ours = encodePublish(topic, payload, qos, messageId, flags);
		const dup = "dup" in flags ? flags.dup : false;
		const retain = "retain" in flags ? flags.retain : false;
		const theirs = generate({ cmd: "publish", topic, payload: Buffer.from(payload), qos, messageId, dup, retain });
		expect(hex(ours)).toBe(hex(theirs));
		const [parsed] = parsedByMqttPacket(ours) as IPublishPacket[];
		expect(parsed).toMatchObject({ cmd: "publish", topic, qos, dup, retain });
		if (qos > 0) expect(parsed?.messageId).toBe(messageId);
		expect(hex(parsed?.payload as Buffer)).toBe(hex(payload));
	});

	it("refuses a QoS 1 PUBLISH without a packet identifier", () => {
		expect(() => encodePublish("messages", utf8("x"), 1)).toThrow(RangeError);
		expect(() => encodePublish("messages", utf8("x"), 1, 0)).toThrow(RangeError);
	});

	it("PUBACK, CONNACK, SUBACK, UNSUBACK and PINGRESP as mqtt-packet generates them", () => {
		const cases: [Uint8Array, Packet][] = [
			[encodePuback(513), { cmd: "puback", messageId: 513 }],
			[encodeConnack(0, true), { cmd: "connack", returnCode: 0, sessionPresent: true }],
			[encodeConnack(5, false), { cmd: "connack", returnCode: 5, sessionPresent: false }],
			[encodeSuback(7, [1, 0, 0x80]), { cmd: "suback", messageId: 7, granted: [1, 0, 0x80] }],
			[encodeUnsuback(65535), { cmd: "unsuback", messageId: 65535 } as Packet],
			[PINGRESP, { cmd: "pingresp" }],
		];
		for (const [ours, packet] of cases) {
			expect(hex(ours)).toBe(hex(generate(packet)));
			expect(parsedByMqttPacket(ours)).toEqual([expect.objectContaining(packet)]);
		}
	});
});

describe("decodePacket", () => {
	const connect: IConnectPacket = {
		cmd: "connect",
		protocolId: "MQTT",
		protocolVersion: 4,
		clientId: "c1",
		clean: false,
		keepalive: 45,
		username: "ann",
		password: Buffer.from("eyJ.token"),
		will: { topic: "messages", payload: Buffer.from("bye"), qos: 1, retain: false },
	};

	it("decodes every packet a client sends", () => {
		const inbound: Packet[] = [
			connect,
			{ cmd: "publish", topic: "messages", payload: Buffer.from("hi"), qos: 0, dup: false, retain: false },
			{ cmd: "publish", topic: "signals", payload: Buffer.from("{}"), qos: 1, messageId: 4, dup: true, retain: true },
			{ cmd: "puback", messageId: 12 },
			{
				cmd: "subscribe",
				messageId: 2,
				subscriptions: [
					{ topic: "messages/#", qos: 2 },
					{ topic: "presence", qos: 0 },
				],
			},
			{ cmd: "unsubscribe", messageId: 3, unsubscriptions: ["messages/#", "presence"] },
			{ cmd: "pingreq" },
			{ cmd: "disconnect" },
		];
		for (const packet of inbound) {
			const decoded = decodePacket(new Uint8Array(generate(packet)));
			expect(decoded).toMatchObject(packet);
		}
	});

	it("reads the protocol level of a CONNECT of level 3, 5 or an unknown one, so that it can be refused with CONNACK 1", () => {
		const v3 = decodePacket(new Uint8Array(generate({ ...connect, protocolId: "MQIsdp", protocolVersion: 3 })));
		expect(v3).toMatchObject({ cmd: "connect", protocolVersion: 3 });
		const v5 = decodePacket(
			new Uint8Array(generate({ cmd: "connect", protocolVersion: 5, clientId: "c5", keepalive: 10 })),
		);
		expect(v5).toMatchObject({ cmd: "connect", protocolVersion: 5, clientId: "c5" });
		// Level 6 (byte 8 of this CONNECT): mqtt-packet refuses it; its name and level are read by hand.
		const v6 = new Uint8Array(generate({ ...connect }));
		v6[8] = 6;
		expect(decodePacket(v6)).toMatchObject({ cmd: "connect", protocolId: "MQTT", protocolVersion: 6 });
		// A level 5 CONNECT leaves nothing behind: the next PUBLISH is read at level 4 (no properties).
		const publish = encodePublish("messages", utf8("after"), 1, 8);
		expect(decodePacket(publish)).toMatchObject({ topic: "messages", messageId: 8, payload: Buffer.from("after") });
	});

	it.each([
		["a truncated CONNECT", generate(connect).subarray(0, 20)],
		["two packets", Buffer.concat([generate({ cmd: "pingreq" }), generate({ cmd: "pingreq" })])],
		["a PINGREQ with a body", Buffer.from([0xc0, 1, 0])],
		["a PUBACK with a byte too many", Buffer.from([0x40, 3, 0, 1, 0])],
		["a SUBSCRIBE with the wrong header flags", Buffer.from([0x80, 6, 0, 1, 0, 1, 0x61, 0])],
		["a SUBSCRIBE with no filter", Buffer.from([0x82, 2, 0, 1])],
		["a SUBSCRIBE asking QoS 3", Buffer.from([0x82, 6, 0, 1, 0, 1, 0x61, 3])],
		["an UNSUBSCRIBE with no filter", Buffer.from([0xa2, 2, 0, 1])],
		["a PUBLISH of QoS 3", Buffer.from([0x36, 5, 0, 1, 0x61, 0, 1])],
		["a QoS 1 PUBLISH with packet identifier 0", Buffer.from([0x32, 5, 0, 1, 0x61, 0, 0])],
		["a QoS 1 PUBLISH too short for its packet identifier", Buffer.from([0x32, 3, 0, 1, 0x61])],
		["a CONNECT naming another protocol", generate({ ...connect }).map((byte, i) => (i === 7 ? 0x58 : byte))],
		["a CONNECT with the reserved flag set", generate({ ...connect }).map((byte, i) => (i === 9 ? byte | 1 : byte))],
		["reserved packet type 0", Buffer.from([0x00, 0])],
		["reserved packet type 15", Buffer.from([0xf0, 0])],
	])("refuses %s with MalformedPacket, and decodes the next packet", (_, bytes) => {
		expect(() => decodePacket(new Uint8Array(bytes))).toThrow(MalformedPacket);
		expect(decodePacket(Uint8Array.of(0xc0, 0))).toMatchObject({ cmd: "pingreq" });
	});

	it("throws nothing but MalformedPacket on any bytes", () => {
		fc.assert(
			fc.property(fc.integer({ min: 0, max: 15 }), fc.uint8Array({ maxLength: 40 }), (type, body) => {
				const bytes = Uint8Array.of((type << 4) | (type === 8 || type === 10 ? 2 : 0), body.length, ...body);
				try {
					decodePacket(bytes);
				} catch (error) {
					expect(error).toBeInstanceOf(MalformedPacket);
				}
			}),
			{ seed: 29, numRuns: 500 },
		);
	});
});
