/**
 * The MQTT codec inside workerd: mqtt-packet's parser (Node's Buffer and events from
 * `nodejs_compat`, bl and debug aliased in wrangler.toml) decodes what framing.ts cuts from a
 * CONNECT split inside its length and fields, and from three packets in one frame.
 */
import { describe, expect, it } from "vitest";
import { PacketFramer } from "../../src/mqtt/framing";
import { decodePacket, encodePublish, type IConnectPacket, type IPublishPacket } from "../../src/mqtt/packets";

/** CONNECT, level 4, clean, keep alive 30, client id "c1", user name "ann", password "pw". */
const CONNECT = Uint8Array.of(
	0x10,
	23,
	0,
	4,
	0x4d,
	0x51,
	0x54,
	0x54,
	4,
	0xc2,
	0,
	30,
	0,
	2,
	0x63,
	0x31,
	0,
	3,
	0x61,
	0x6e,
	0x6e,
	0,
	2,
	0x70,
	0x77,
);
/** SUBSCRIBE id 1 to `messages` at QoS 1, then PINGREQ. */
const SUBSCRIBE = Uint8Array.of(0x82, 13, 0, 1, 0, 8, 0x6d, 0x65, 0x73, 0x73, 0x61, 0x67, 0x65, 0x73, 1);
const PINGREQ = Uint8Array.of(0xc0, 0);

describe("the MQTT codec in workerd", () => {
	it("decodes a CONNECT split across frames, then three packets from one frame", () => {
		const framer = new PacketFramer(1024);
		expect(framer.push(CONNECT.subarray(0, 1))).toEqual([]);
		expect(framer.push(CONNECT.subarray(1, 7))).toEqual([]);
		const [connectBytes] = framer.push(CONNECT.subarray(7));
		const connect = decodePacket(connectBytes as Uint8Array) as IConnectPacket;
		expect(connect).toMatchObject({
			cmd: "connect",
			protocolVersion: 4,
			clientId: "c1",
			username: "ann",
			keepalive: 30,
		});
		expect(new TextDecoder().decode(connect.password)).toBe("pw");

		const publish = encodePublish("messages", new TextEncoder().encode('{"n":1}'), 1, 7);
		const frame = new Uint8Array(SUBSCRIBE.length + publish.length + PINGREQ.length);
		frame.set(SUBSCRIBE, 0);
		frame.set(publish, SUBSCRIBE.length);
		frame.set(PINGREQ, SUBSCRIBE.length + publish.length);
		const packets = framer.push(frame).map(decodePacket);
		expect(packets.map((packet) => packet.cmd)).toEqual(["subscribe", "publish", "pingreq"]);
		expect(packets[0]).toMatchObject({ messageId: 1, subscriptions: [{ topic: "messages", qos: 1 }] });
		const published = packets[1] as IPublishPacket;
		expect(published).toMatchObject({ topic: "messages", qos: 1, messageId: 7 });
		expect(new TextDecoder().decode(published.payload as Uint8Array)).toBe('{"n":1}');
		expect(framer.pending).toBe(0);
	});
});
