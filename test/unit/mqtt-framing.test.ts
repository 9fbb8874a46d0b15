/**
 * Framing (src/mqtt/framing.ts): a stream of real packets (made by mqtt-packet, MQTT.js's codec)
 * cut at every point and in random pieces gives back exactly those packets; oversized and
 * malformed lengths are refused before their bodies are held.
 */
import fc from "fast-check";
import { generate, type Packet } from "mqtt-packet";
import { describe, expect, it } from "vitest";
import { FramingError, PacketFramer } from "../../src/mqtt/framing";

const hex = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");

/** One of each packet a client sends, with remaining lengths of 0, 1 and 2 bytes. */
const PACKETS: Packet[] = [
	{
		cmd: "connect",
		protocolId: "MQTT",
		protocolVersion: 4,
		clientId: "client-1",
		clean: false,
		keepalive: 60,
		username: "ann",
		password: Buffer.from("secret"),
		will: { topic: "signals", payload: Buffer.from('{"gone":true}'), qos: 0, retain: false },
	},
	{
		cmd: "subscribe",
		messageId: 1,
		subscriptions: [
			{ topic: "messages", qos: 1 },
			{ topic: "presence", qos: 0 },
		],
	},
	{ cmd: "pingreq" },
	{ cmd: "publish", topic: "messages", payload: Buffer.from('{"text":"hi"}'), qos: 0, dup: false, retain: false },
	{
		cmd: "publish",
		topic: "messages/bob",
		payload: Buffer.alloc(300, 7),
		qos: 1,
		messageId: 2,
		dup: false,
		retain: false,
	},
	{ cmd: "puback", messageId: 9 },
	{ cmd: "unsubscribe", messageId: 3, unsubscriptions: ["presence"] },
	{ cmd: "disconnect" },
];
const ENCODED = PACKETS.map((packet) => new Uint8Array(generate(packet)));
const STREAM = new Uint8Array(Buffer.concat(ENCODED));
const EXPECTED = ENCODED.map(hex);

/** Pushes the pieces in order and returns every packet cut, as hex. */
function cutAll(framer: PacketFramer, pieces: Uint8Array[]): string[] {
	return pieces.flatMap((piece) => framer.push(piece).map(hex));
}

describe("PacketFramer", () => {
	it("gives back the packets of a stream split at every point", () => {
		for (let at = 0; at <= STREAM.length; at++) {
			const framer = new PacketFramer(4096);
			expect(cutAll(framer, [STREAM.subarray(0, at), STREAM.subarray(at)])).toEqual(EXPECTED);
			expect(framer.pending).toBe(0);
		}
	});

	it("gives back the packets of a stream in random pieces, several packets per piece or several pieces per packet", () => {
		fc.assert(
			fc.property(fc.uniqueArray(fc.integer({ min: 1, max: STREAM.length - 1 }), { maxLength: 40 }), (cuts) => {
				const points = [0, ...cuts.sort((a, b) => a - b), STREAM.length];
				const pieces = points.slice(1).map((end, i) => STREAM.subarray(points[i], end));
				const framer = new PacketFramer(4096);
				expect(cutAll(framer, pieces)).toEqual(EXPECTED);
				expect(framer.pending).toBe(0);
			}),
			{ seed: 29, numRuns: 300 },
		);
	});

	it("returns a frame of exactly one packet as is, and packets within a frame without copying", () => {
		const framer = new PacketFramer(4096);
		const single = ENCODED[3] as Uint8Array;
		expect(framer.push(single)[0]).toBe(single);
		for (const packet of framer.push(STREAM)) expect(packet.buffer).toBe(STREAM.buffer);
	});

	it("reads a remaining length split inside its 2, 3 and 4 bytes", () => {
		// Remaining lengths of 300, 20,000 and 2,097,152 bytes: 2, 3 and 4 length bytes.
		for (const remaining of [300, 20_000, 2_097_152]) {
			const packet = new Uint8Array(
				generate({
					cmd: "publish",
					topic: "t",
					payload: Buffer.alloc(remaining - 3),
					qos: 0,
					dup: false,
					retain: false,
				}),
			);
			const lengthBytes = packet.length - remaining - 1;
			for (let at = 1; at <= lengthBytes; at++) {
				const framer = new PacketFramer(3_000_000);
				expect(framer.push(packet.subarray(0, at))).toEqual([]);
				expect(framer.pending).toBe(at);
				expect(framer.push(packet.subarray(at, at + 1))).toEqual([]);
				const [whole] = framer.push(packet.subarray(at + 1));
				expect(whole?.length).toBe(packet.length);
				expect(whole?.[packet.length - 1]).toBe(0);
			}
		}
	});

	it("refuses a remaining length of 5 bytes, whole or split", () => {
		expect(() => new PacketFramer(4096).push(Uint8Array.of(0x30, 0xff, 0xff, 0xff, 0xff, 0x01))).toThrow(FramingError);
		const framer = new PacketFramer(4096);
		expect(framer.push(Uint8Array.of(0x30, 0xff, 0xff))).toEqual([]);
		expect(() => framer.push(Uint8Array.of(0xff, 0xff))).toThrow(FramingError);
		expect(framer.pending).toBe(0);
	});

	it("refuses a packet over the limit from its header, before holding its body", () => {
		const limit = 1024;
		// A PUBLISH of 1 + 2 + 1022 = 1025 bytes: one over.
		const header = Uint8Array.of(0x30, 0xfe, 0x07);
		expect(() => new PacketFramer(limit).push(Uint8Array.of(...header, 0, 1, 0x74))).toThrow(FramingError);
		const split = new PacketFramer(limit);
		expect(split.push(header.subarray(0, 2))).toEqual([]);
		expect(() => split.push(header.subarray(2))).toThrow(/1025 bytes over 1024/);
		expect(split.pending).toBe(0);
		// Exactly the limit passes.
		const atLimit = new Uint8Array(1024);
		atLimit.set([0x30, 0xfd, 0x07, 0, 1, 0x74]);
		expect(new PacketFramer(limit).push(atLimit)).toHaveLength(1);
	});

	it("saves the held bytes and puts them back in another framer", () => {
		for (const at of [1, 2, 40, STREAM.length - 1]) {
			const first = new PacketFramer(4096);
			const before = first.push(STREAM.subarray(0, at)).map(hex);
			const tail = first.tail();
			expect(tail.length).toBe(first.pending);
			const second = new PacketFramer(4096);
			second.restore(tail);
			expect(second.pending).toBe(tail.length);
			expect([...before, ...second.push(STREAM.subarray(at)).map(hex)]).toEqual(EXPECTED);
		}
		expect(() => new PacketFramer(4096).restore(ENCODED[2] as Uint8Array)).toThrow(FramingError);
	});
});
