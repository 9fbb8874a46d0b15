/**
 * (1.5) The room's frames as an MQTT session hears them. The room encodes each frame once, as
 * JSON, for every socket; an MQTT socket's frame is turned here into the PUBLISH (or CONNACK,
 * PUBACK …) it stands for. A fan-out passes the same string to every socket, so the last frame's
 * reading and its packets are kept: a thousand subscribers cost one parse and one encoding.
 */
import { encodeConnack, encodePuback, encodePublish } from "../../mqtt/packets";
import { type Topic, topicQos } from "../../mqtt/topics";
import { ErrorCodes, type Message, ServerEvents } from "../../protocol";
import type { Connection } from "../connection";
import { trySend } from "../fan-out";
import { ackPacket } from "./payload";
import type { MqttRecord, Subscription } from "./record";

/** What a frame asks of the socket: sent (or nothing to send), the peer gone, or to be closed. */
export type EgressResult = "sent" | "failed" | "close";

/** The internal part of a `Registered` answering an MQTT CONNECT (register.ts adds it). */
export interface MqttRegistered {
	present: boolean;
	subs: Subscription[];
	acked: number;
	sk: string;
}

/** The request ids an MQTT session's requests carry, so that replies find their packet. */
export const RequestIds = {
	connect: "mqtt-connect",
	puback: (packetId: number) => `p${packetId}`,
	pubrec: (packetId: number) => `q${packetId}`,
} as const;

interface ReadFrame {
	event: string;
	requestId?: string;
	data: Record<string, unknown>;
	/** The `data` member's JSON, as the frame carries it. */
	dataJson: string;
	payload?: Uint8Array;
	/** The frame's packets by topic, QoS and retain (see `packetOf`). */
	packets: Array<Uint8Array | undefined>;
}

const TOPIC_INDEX: Record<Topic, number> = { messages: 0, direct: 1, signals: 2, presence: 3 };

const encoder = new TextEncoder();
let lastFrame: string | undefined;
let lastRead: ReadFrame | undefined;

function read(frame: string): ReadFrame {
	if (frame === lastFrame && lastRead) return lastRead;
	const parsed = JSON.parse(frame) as { event: string; requestId?: string; data: Record<string, unknown> };
	// The frame's `data` comes last (frames.ts): its JSON is the frame's tail, not encoded again.
	const at = frame.indexOf('"data":');
	const dataJson = parsed.requestId === undefined && at > 0 ? frame.slice(at + 7, -1) : JSON.stringify(parsed.data);
	const result: ReadFrame = { event: parsed.event, data: parsed.data, dataJson, packets: [] };
	if (parsed.requestId !== undefined) result.requestId = parsed.requestId;
	lastFrame = frame;
	lastRead = result;
	return result;
}

/** The topic name a session hears on, for a topic of its user. */
export function topicName(topic: Topic, userId: string): string {
	return topic === "direct" ? `messages/${userId}` : topic;
}

/**
 * One packet of a frame, built once per frame for every socket that hears it alike (a direct
 * message's topic names its one receiver; a QoS 1 packet identifier is its `seq`'s).
 */
function packetOf(frame: ReadFrame, topic: Topic, userId: string, qos: 0 | 1, packetId?: number): Uint8Array {
	const key = TOPIC_INDEX[topic] * 2 + qos;
	let packet = frame.packets[key];
	if (!packet) {
		frame.payload ??= encoder.encode(frame.dataJson);
		packet = encodePublish(topicName(topic, userId), frame.payload, qos, packetId);
		frame.packets[key] = packet;
	}
	return packet;
}

/** A session's QoS on a topic, worked out again only when its subscriptions change. */
function qosOf(session: EgressSession, topic: Topic, userId: string): -1 | 0 | 1 {
	const subs = session.record.subs ?? NO_SUBSCRIPTIONS;
	let cache = session.qos;
	if (cache?.subs !== subs || cache.userId !== userId) {
		cache = { subs, userId, byTopic: [-1, -1, -1, -1] };
		for (const name of Object.keys(TOPIC_INDEX) as Topic[])
			cache.byTopic[TOPIC_INDEX[name]] = topicQos(subs, name, userId);
		session.qos = cache;
	}
	return cache.byTopic[TOPIC_INDEX[topic]] as -1 | 0 | 1;
}

const NO_SUBSCRIPTIONS: Subscription[] = [];

/** A stored message's QoS 1 packet identifier: its `seq`, so that an acknowledgement names its message. */
export function packetIdOf(seq: number): number {
	return (seq % 0xffff) + 1;
}

/** The `seq` a PUBACK acknowledges: the latest one sent at or before `sent` with that identifier. */
export function seqOfPacketId(packetId: number, sent: number): number {
	return sent - ((packetIdOf(sent) - packetId + 0xffff) % 0xffff);
}

/** The CONNACK return code a refused CONNECT gets, by the room's error code. */
export function connackCodeOf(code: string): number {
	if (code === ErrorCodes.ROOM_FULL) return 3;
	if (code === ErrorCodes.BAD_REQUEST) return 4;
	return 5;
}

export interface EgressSession {
	record: MqttRecord;
	readonly userId: string | undefined;
	/** Its QoS per topic, for the subscriptions it was worked out from. */
	qos?: { subs: Subscription[]; userId: string; byTopic: number[] };
	send(bytes: Uint8Array): boolean;
	/** The CONNECT took: its packets may now be handled (ingress). */
	opened(): void;
}

/**
 * The fan-out's sender for MQTT sockets: a frame for an MQTT session as MQTT, undefined for a
 * protocol connection's socket (one lookup, which a JSON socket's frame pays too).
 */
export function mqttSender(live: (ws: WebSocket) => Connection | undefined, opened: (connection: Connection) => void) {
	return (ws: WebSocket, frame: string): EgressResult | undefined => {
		const connection = live(ws);
		const record = connection?.mqtt;
		if (!record) return undefined;
		// Made once per connection: a fan-out to a thousand sessions allocates nothing per socket.
		let session = connection.egress;
		if (!session) {
			session = {
				record,
				get userId() {
					return connection.identity?.userId;
				},
				send: (bytes) => trySend(ws, bytes),
				opened: () => opened(connection),
			};
			connection.egress = session;
		}
		return sendAsMqtt(session, frame);
	};
}

/** Sends one room frame to one MQTT session, as MQTT. */
export function sendAsMqtt(session: EgressSession, frame: string): EgressResult {
	const record = session.record;
	const read_ = read(frame);
	switch (read_.event) {
		case ServerEvents.Message:
			return sendMessage(session, read_);
		case ServerEvents.Signal:
			return publishPlain(session, read_, "signals");
		case ServerEvents.Occupancy:
			return publishPlain(session, read_, "presence");
		case ServerEvents.MessageAck:
			return acknowledge(session, read_.requestId);
		case ServerEvents.Registered:
			if (read_.requestId !== RequestIds.connect || record.st !== "wait") return "sent";
			return connected(session, read_);
		case ServerEvents.Error:
			if (record.st === "wait") {
				session.send(encodeConnack(connackCodeOf(String(read_.data.code)), false));
			}
			return "close";
		default:
			return "sent";
	}
}

function sendMessage(session: EgressSession, frame: ReadFrame): EgressResult {
	const { userId, record } = session;
	if (userId === undefined || record.st !== "open") return "sent";
	const to = frame.data.to as string | undefined;
	// A direct message is heard on its receiver's own topic, never on `messages` (nor by its sender).
	const topic: Topic = to === undefined ? "messages" : "direct";
	if (to !== undefined && to !== userId) return "sent";
	const qos = qosOf(session, topic, userId);
	if (qos < 0) return "sent";
	if (qos === 0) return session.send(packetOf(frame, topic, userId, 0)) ? "sent" : "failed";
	const seq = frame.data.seq as number;
	record.sent = Math.max(record.sent ?? 0, seq);
	return session.send(packetOf(frame, topic, userId, 1, packetIdOf(seq))) ? "sent" : "failed";
}

function publishPlain(session: EgressSession, frame: ReadFrame, topic: "signals" | "presence"): EgressResult {
	const { userId, record } = session;
	if (userId === undefined || record.st !== "open") return "sent";
	if (qosOf(session, topic, userId) < 0) return "sent";
	return session.send(packetOf(frame, topic, userId, 0)) ? "sent" : "failed";
}

function acknowledge(session: EgressSession, requestId: string | undefined): EgressResult {
	if (requestId === undefined) return "sent";
	const packetId = Number(requestId.slice(1));
	if (requestId.startsWith("p")) return session.send(encodePuback(packetId)) ? "sent" : "failed";
	// PUBREC: the QoS 2 PUBLISH is stored (its PUBREL is answered PUBCOMP by the ingress).
	if (requestId.startsWith("q")) return session.send(ackPacket(0x50, packetId)) ? "sent" : "failed";
	return "sent";
}

/** CONNACK 0, then (a persistent session) what it missed at QoS 1, in `seq` order. */
function connected(session: EgressSession, frame: ReadFrame): EgressResult {
	const record = session.record;
	const mqtt = frame.data.mqtt as MqttRegistered | undefined;
	const userId = (frame.data.self as { userId: string }).userId;
	record.st = "open";
	if (mqtt) {
		record.sk = mqtt.sk;
		record.subs = mqtt.subs;
		record.acked = mqtt.acked;
	}
	if (!session.send(encodeConnack(0, mqtt?.present === true))) return "failed";
	if (mqtt?.present) {
		for (const message of frame.data.history as Message[]) {
			if (message.seq <= mqtt.acked) continue;
			if (message.to !== undefined && message.to !== userId) continue;
			const topic: Topic = message.to === undefined ? "messages" : "direct";
			if (topicQos(mqtt.subs, topic, userId) !== 1) continue;
			const payload = encoder.encode(JSON.stringify(message));
			const dup = message.seq <= (record.sent ?? 0);
			record.sent = Math.max(record.sent ?? 0, message.seq);
			const packet = encodePublish(topicName(topic, userId), payload, 1, packetIdOf(message.seq), { dup });
			if (!session.send(packet)) return "failed";
		}
	}
	session.opened();
	return "sent";
}
