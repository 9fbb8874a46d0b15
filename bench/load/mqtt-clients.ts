/**
 * Bench (i)'s MQTT 3.1.1 sessions over WebSocket (subprotocol `mqtt`), of two kinds:
 *
 * - `mqttjs`: MQTT.js as shipped. In Node it writes each field of a packet as its own WebSocket
 *   message (a PUBLISH as 5, a PUBACK as 3, measured against MQTT.js 5.16), as Node clients do.
 * - `whole`: a thin client on `ws` and `mqtt-packet` that sends each packet as one message: what
 *   MQTT over WebSocket costs when framing costs nothing more.
 *
 * A delivered PUBLISH's payload is read for `"k"` and `"t"` without parsing (clients.ts): ours
 * wraps the published value in its `Message` JSON, mosquitto passes it as published.
 */
import mqtt, { type MqttClient } from "mqtt";
import { generate, type IPublishPacket, type Packet, parser, type QoS } from "mqtt-packet";
import WebSocket from "ws";
import { closeWebSocket, mapConcurrently } from "../../scripts/resuming-client/many-sockets.ts";
import { type Conn, messagePayload, readPayload, type Sink } from "./clients.ts";
import type { MqttClientKind } from "./mqtt-rates.ts";

export const MQTT_CLIENT_KINDS: readonly MqttClientKind[] = ["mqttjs", "whole"];

export interface MqttSession {
	readonly index: number;
	/** Resolves on the SUBACK; a refused filter (0x80) rejects. */
	subscribe(topic: string, qos: QoS): Promise<void>;
	publish(topic: string, qos: QoS, payload: string): void;
	/** PINGREQs sent and PINGRESPs received so far. */
	readonly pingreqs: number;
	readonly pingresps: number;
	close(): Promise<void>;
}

export interface MqttOpenOptions {
	kind: MqttClientKind;
	url: string;
	index: number;
	/** The CONNECT user name (ours, development mode: the user id) and client identifier. */
	userName: string;
	/** Seconds; the session's PINGREQ interval. */
	keepalive: number;
}

/** A delivered PUBLISH: a frame for the sink, and a delivery when its payload is one of ours. */
function received(sink: Sink, index: number, payload: Buffer): void {
	sink.frame?.(index, 1);
	const found = readPayload(payload);
	if (found) sink.delivery(index, found.key, found.sentAt);
}

function openMqttJs(options: MqttOpenOptions, sink: Sink): Promise<MqttSession> {
	const { url, index, userName, keepalive } = options;
	const client: MqttClient = mqtt.connect(url, {
		protocolVersion: 4,
		clientId: userName,
		username: userName,
		clean: true,
		keepalive,
		reconnectPeriod: 0,
		connectTimeout: 30_000,
		wsOptions: { perMessageDeflate: false },
	});
	let pingreqs = 0;
	let pingresps = 0;
	client.on("packetsend", (packet) => {
		if (packet.cmd === "pingreq") pingreqs++;
	});
	client.on("packetreceive", (packet) => {
		if (packet.cmd === "pingresp") pingresps++;
	});
	client.on("message", (_topic, payload) => received(sink, index, payload));
	return new Promise((resolve, reject) => {
		let connected = false;
		client.once("connect", () => {
			connected = true;
			resolve({
				index,
				subscribe: async (topic, qos) => {
					const granted = await client.subscribeAsync(topic, { qos });
					if (granted.some((g) => g.qos === 128)) throw new Error(`${userName}: SUBSCRIBE ${topic} refused`);
				},
				publish: (topic, qos, payload) => client.publish(topic, payload, { qos }),
				get pingreqs() {
					return pingreqs;
				},
				get pingresps() {
					return pingresps;
				},
				close: () => client.endAsync(true).catch(() => {}),
			});
		});
		client.on("error", (error) => {
			if (!connected) {
				client.end(true);
				reject(new Error(`${userName}: ${error.message}`));
			} else sink.error(index, error.message);
		});
		client.once("close", () => {
			if (!connected) reject(new Error(`${userName}: closed before CONNACK`));
			else sink.closed?.(index, 0);
		});
	});
}

/** PUBACK id: four bytes, sent without the codec. */
function puback(id: number): Buffer {
	return Buffer.from([0x40, 2, id >> 8, id & 0xff]);
}

const PINGREQ = Buffer.from([0xc0, 0]);

function openWhole(options: MqttOpenOptions, sink: Sink): Promise<MqttSession> {
	const { url, index, userName, keepalive } = options;
	const ws = new WebSocket(url, "mqtt", { perMessageDeflate: false, handshakeTimeout: 30_000 });
	const packets = parser({ protocolVersion: 4 });
	const subacks = new Map<number, (granted: number[]) => void>();
	let nextId = 0;
	const id = () => (nextId = (nextId % 0xffff) + 1);
	let pingreqs = 0;
	let pingresps = 0;
	const timer = setInterval(() => {
		if (ws.readyState !== WebSocket.OPEN) return;
		ws.send(PINGREQ);
		pingreqs++;
	}, keepalive * 1000);
	timer.unref();
	const send = (packet: Packet) => ws.send(generate(packet));
	ws.on("message", (data: Buffer) => packets.parse(data));
	ws.once("open", () =>
		send({
			cmd: "connect",
			protocolId: "MQTT",
			protocolVersion: 4,
			clean: true,
			clientId: userName,
			keepalive,
			username: userName,
		}),
	);
	return new Promise((resolve, reject) => {
		let connected = false;
		const session: MqttSession = {
			index,
			subscribe: (topic, qos) =>
				new Promise((done, fail) => {
					const messageId = id();
					subacks.set(messageId, (granted) =>
						granted.includes(0x80) ? fail(new Error(`${userName}: SUBSCRIBE ${topic} refused`)) : done(),
					);
					send({ cmd: "subscribe", messageId, subscriptions: [{ topic, qos }] });
				}),
			publish: (topic, qos, payload) => {
				const packet = { cmd: "publish", topic, payload, qos, dup: false, retain: false } as IPublishPacket;
				if (qos > 0) packet.messageId = id();
				send(packet);
			},
			get pingreqs() {
				return pingreqs;
			},
			get pingresps() {
				return pingresps;
			},
			close: () => {
				clearInterval(timer);
				if (ws.readyState === WebSocket.OPEN) send({ cmd: "disconnect" });
				return closeWebSocket(ws, 1000, "bench done");
			},
		};
		packets.on("packet", (packet: Packet) => {
			if (packet.cmd === "publish") {
				if (packet.qos === 1 && packet.messageId !== undefined) ws.send(puback(packet.messageId));
				received(sink, index, packet.payload as Buffer);
			} else if (packet.cmd === "pingresp") pingresps++;
			else if (packet.cmd === "suback") {
				subacks.get(packet.messageId as number)?.(packet.granted as number[]);
				subacks.delete(packet.messageId as number);
			} else if (packet.cmd === "connack") {
				if (packet.returnCode !== 0) reject(new Error(`${userName}: CONNACK ${packet.returnCode}`));
				connected = true;
				resolve(session);
			}
		});
		packets.on("error", (error: Error) => sink.error(index, `${userName}: ${error.message}`));
		ws.once("error", (error) => {
			if (!connected) reject(new Error(`${userName}: ${error.message}`));
		});
		ws.once("close", (code) => {
			clearInterval(timer);
			if (!connected) reject(new Error(`${userName}: closed ${code} before CONNACK`));
			else sink.closed?.(index, code);
		});
	});
}

export function openMqtt(options: MqttOpenOptions, sink: Sink): Promise<MqttSession> {
	return options.kind === "mqttjs" ? openMqttJs(options, sink) : openWhole(options, sink);
}

/** `count` sessions `prefix<index>` for `firstIndex`…, at most `concurrency` handshakes in flight. */
export function openManyMqtt(
	options: Omit<MqttOpenOptions, "index" | "userName"> & { prefix: string; firstIndex: number; count: number },
	concurrency: number,
	sink: Sink,
): Promise<MqttSession[]> {
	const { prefix, firstIndex, count, ...rest } = options;
	return mapConcurrently(count, concurrency, (i) =>
		openMqtt({ ...rest, index: firstIndex + i, userName: `${prefix}${firstIndex + i}` }, sink),
	);
}

/** A publisher as a sender of throughput.ts: every message a PUBLISH to `topic` at `qos`. */
export function publisherConn(session: MqttSession, topic: string, qos: QoS): Conn {
	return {
		index: session.index,
		send: (_traffic, key, sentAt) => session.publish(topic, qos, messagePayload(key, sentAt)),
		sendText: () => {
			throw new Error("an MQTT publisher sends PUBLISH packets, not frames");
		},
		ping: () => {},
		pongs: 0,
		close: () => session.close(),
	};
}
