/**
 * (1.5) An MQTT session's packets, from the socket to the room. Each packet that asks something
 * of the room (CONNECT, PUBLISH) becomes the client frame a protocol connection would send, and
 * runs through the same handlers (on a shard, the same reports to the root); the replies come
 * back as frames and egress.ts turns them into MQTT. The rest (SUBSCRIBE, PUBACK, PINGREQ …) is
 * the session's own business, answered here. What MQTT 3.1.1 cannot refuse with a reply closes
 * the connection, having stored and sent nothing.
 */
import { FramingError, PacketFramer } from "../../mqtt/framing";
import {
	decodePacket,
	encodeSuback,
	encodeUnsuback,
	type IConnectPacket,
	type IPublishPacket,
	type ISubscribePacket,
	MalformedPacket,
	type Packet,
	PINGRESP,
} from "../../mqtt/packets";
import { grantFor, publishTarget, topicQos, validFilter } from "../../mqtt/topics";
import { type ClientFrame, encodeServerFrame, parseClientFrame, ServerEvents } from "../../protocol";
import type { Connection } from "../connection";
import type { VerifiedIdentity } from "../handoff";
import type { RateVerdict } from "../rate-limit";
import { connectSession } from "./connect";
import { RequestIds, seqOfPacketId } from "./egress";
import { ackPacket, payloadValue, retainedPublish, utf8Length } from "./payload";
import { MAX_FILTER_BYTES, MAX_SUBSCRIPTIONS, type MqttRecord, type Subscription } from "./record";

/** A packet the session cannot go on after: the connection is closed. */
export class MqttViolation extends Error {}

/** Bytes of packets that may wait for a CONNECT's answer; past them the connection is closed. */
const MAX_WAITING_BYTES = 65_536;
/** How often a persistent session's progress is saved while acknowledgements come (ms). */
const PROGRESS_SAVE_MS = 10_000;

export interface IngressPort {
	maxMessageBytes: number;
	/** A client frame, handled as a protocol connection's (its refusal comes back as an `Error` frame). */
	submit(connection: Connection, frame: ClientFrame): void;
	/** One PUBLISH/SUBSCRIBE/UNSUBSCRIBE: the connection's rate limit. */
	rate(connection: Connection): RateVerdict;
	/** Sends bytes to the socket. */
	send(connection: Connection, bytes: Uint8Array): void;
	/** A persistent session's subscriptions or progress, kept by the root. */
	saveSession(connection: Connection, change: { subs?: Subscription[]; acked?: number }): void;
	/** The room's counts, for a `presence` subscription's retained publication. */
	counts(): { userCount: number; connectionCount: number };
	/** With `AUTH_SECRET`: the CONNECT password checked as a room token. */
	verifyPassword(password: string | undefined): Promise<VerifiedIdentity | number>;
	/** Closes this object's other sessions of the user with the client identifier, without their wills. */
	takeOver(connection: Connection, userId: string, clientId: string): void;
	/** Closes the connection from this side (its user leaves after the grace, its will is published unless `bye`). */
	close(connection: Connection, code: number, text: string): void;
	logFailure(entryPoint: string, error: unknown): void;
}

/** What a session holds in memory only: the packet being cut, packets waiting for the CONNACK. */
export interface SessionMemory {
	framer: PacketFramer;
	waiting?: Uint8Array[];
	waitingBytes: number;
	progressSavedAt: number;
}

export class MqttIngress {
	readonly #port: IngressPort;
	/** The frame being handled did more than acknowledge or ping. */
	#loud = false;

	constructor(port: IngressPort) {
		this.#port = port;
	}

	/**
	 * One binary frame: whole packets handled in order, a partial one kept for the next frame.
	 * True when it was quiet: only acknowledgements and pings (or part of a packet), which change
	 * nothing the room's alarm depends on.
	 */
	receive(connection: Connection, bytes: Uint8Array, now: number): boolean {
		const record = connection.mqtt as MqttRecord;
		const memory = this.#memory(connection);
		this.#loud = false;
		try {
			for (const packet of memory.framer.push(bytes)) this.#packet(connection, record, memory, packet, now);
		} catch (error) {
			if (error instanceof MqttViolation || error instanceof FramingError || error instanceof MalformedPacket) {
				this.#port.close(connection, 1002, error.message.slice(0, 120));
				return false;
			}
			throw error;
		}
		return !this.#loud;
	}

	/** The CONNECT was answered: what waited behind it runs now. */
	opened(connection: Connection, now: number): void {
		const memory = this.#memory(connection);
		const record = connection.mqtt as MqttRecord;
		const waiting = memory.waiting ?? [];
		memory.waiting = undefined;
		memory.waitingBytes = 0;
		try {
			for (const packet of waiting) {
				if (connection.closed) return;
				this.#packet(connection, record, memory, packet, now);
			}
		} catch (error) {
			if (!(error instanceof MqttViolation || error instanceof MalformedPacket)) throw error;
			this.#port.close(connection, 1002, error.message.slice(0, 120));
		}
	}

	#memory(connection: Connection): SessionMemory {
		let memory = connection.link;
		if (!memory) {
			memory = { framer: new PacketFramer(this.#port.maxMessageBytes + 1024), waitingBytes: 0, progressSavedAt: 0 };
			connection.link = memory;
		}
		return memory;
	}

	#packet(connection: Connection, record: MqttRecord, memory: SessionMemory, bytes: Uint8Array, now: number): void {
		if (record.st === "wait" || memory.waiting) {
			this.#loud = true;
			// Behind a CONNECT the room has not answered yet: kept, in order, within a bound.
			memory.waitingBytes += bytes.length;
			if (memory.waitingBytes > MAX_WAITING_BYTES) throw new MqttViolation("too much sent before CONNACK");
			memory.waiting ??= [];
			memory.waiting.push(bytes.slice());
			return;
		}
		const packet = decodePacket(bytes);
		if (packet.cmd !== "puback" && packet.cmd !== "pingreq" && packet.cmd !== "pubrel") this.#loud = true;
		if (record.st === "new") {
			if (packet.cmd !== "connect") throw new MqttViolation("the first packet must be CONNECT");
			void this.#connect(connection, record, packet);
			return;
		}
		this.#session(connection, record, memory, packet, now);
	}

	/** A packet of a session the room has answered. */
	#session(connection: Connection, record: MqttRecord, memory: SessionMemory, packet: Packet, now: number): void {
		switch (packet.cmd) {
			case "publish":
				this.#publish(connection, record, packet);
				break;
			case "puback":
				this.#acknowledged(connection, record, memory, packet.messageId as number, now);
				break;
			case "pubrel":
				this.#port.send(connection, ackPacket(0x70, packet.messageId as number));
				break;
			case "subscribe":
				this.#subscribe(connection, record, packet);
				break;
			case "unsubscribe":
				this.#unsubscribe(connection, record, packet.messageId as number, packet.unsubscriptions);
				break;
			case "pingreq":
				this.#port.send(connection, PINGRESP);
				break;
			case "disconnect":
				record.bye = true;
				connection.touched();
				this.#saveProgress(connection, record, memory, now, true);
				this.#port.close(connection, 1000, "disconnect");
				break;
			default:
				throw new MqttViolation(`${packet.cmd} is not a packet a client sends here`);
		}
	}

	#connect(connection: Connection, record: MqttRecord, packet: IConnectPacket): void {
		void connectSession(this.#port, connection, record, packet);
	}

	#publish(connection: Connection, record: MqttRecord, packet: IPublishPacket): void {
		const target = publishTarget(packet.topic);
		if (!target) throw new MqttViolation(`no PUBLISH to "${packet.topic.slice(0, 64)}" here`);
		if (this.#port.rate(connection) !== "admit") throw new MqttViolation("rate limit exceeded");
		const payload = packet.payload as Uint8Array;
		if (payload.length > this.#port.maxMessageBytes) throw new MqttViolation("payload over MAX_MESSAGE_BYTES");
		const value = payloadValue(payload);
		if (value === undefined) throw new MqttViolation("the payload is not UTF-8");
		const id = packet.messageId;
		if (target.kind === "signals") {
			this.#submit(connection, "Signal", { signal: value });
			if (packet.qos > 0) this.#port.send(connection, ackPacket(packet.qos === 1 ? 0x40 : 0x50, id as number));
			return;
		}
		const data: Record<string, unknown> = { message: value };
		if (target.kind === "direct") data.to = target.to;
		let requestId: string | undefined;
		if (packet.qos > 0 && id !== undefined) {
			data.clientMessageId = `mqtt:${record.sk}:${id}`;
			requestId = packet.qos === 1 ? RequestIds.puback(id) : RequestIds.pubrec(id);
		}
		const frame = this.#submit(connection, "SendMessage", data, requestId, false);
		// A first sending (no DUP) of an identifier the client reuses is a new message, not a resend.
		if (frame && packet.qos > 0 && !packet.dup) (frame.requestData as Record<string, unknown>).fresh = true;
		if (frame) this.#port.submit(connection, frame);
	}

	#submit(connection: Connection, event: string, requestData: unknown, requestId?: string, run = true) {
		const head = requestId === undefined ? {} : { requestId };
		const parsed = parseClientFrame(JSON.stringify({ eventType: "ClientEvent", event, ...head, requestData }));
		if (!parsed.ok) throw new MqttViolation(parsed.message.slice(0, 100));
		if (run) this.#port.submit(connection, parsed.frame);
		return parsed.frame;
	}

	#acknowledged(connection: Connection, record: MqttRecord, memory: SessionMemory, packetId: number, now: number) {
		if (record.sent === undefined) return;
		const seq = seqOfPacketId(packetId, record.sent);
		if (seq > (record.acked ?? 0)) record.acked = seq;
		this.#saveProgress(connection, record, memory, now, false);
	}

	/** A persistent session's progress goes to the root now and then, and at its end. */
	#saveProgress(connection: Connection, record: MqttRecord, memory: SessionMemory, now: number, final: boolean) {
		if (record.clean !== false || record.acked === undefined) return;
		if (!final && now - memory.progressSavedAt < PROGRESS_SAVE_MS) return;
		memory.progressSavedAt = now;
		this.#loud = true;
		connection.touched();
		this.#port.saveSession(connection, { acked: record.acked });
	}

	#subscribe(connection: Connection, record: MqttRecord, packet: ISubscribePacket): void {
		if (this.#port.rate(connection) !== "admit") throw new MqttViolation("rate limit exceeded");
		const userId = connection.identity?.userId ?? "";
		const subs = [...(record.subs ?? [])];
		const hadPresence = topicQos(subs, "presence", userId) >= 0;
		const granted = packet.subscriptions.map(({ topic, qos }) => {
			if (!validFilter(topic) || utf8Length(topic) > MAX_FILTER_BYTES) {
				throw new MqttViolation("a topic filter is not valid (or over 128 bytes)");
			}
			const grant = grantFor(topic, qos, userId);
			if (grant === 0x80) return grant;
			const at = subs.findIndex(([filter]) => filter === topic);
			if (at >= 0) subs[at] = [topic, grant];
			else if (subs.length < MAX_SUBSCRIPTIONS) subs.push([topic, grant]);
			else return 0x80;
			return grant;
		});
		record.subs = subs;
		connection.touched();
		if (record.clean === false) this.#port.saveSession(connection, { subs });
		this.#port.send(connection, encodeSuback(packet.messageId as number, granted));
		if (!hadPresence && topicQos(subs, "presence", userId) >= 0) this.#retainedPresence(connection);
	}

	#retainedPresence(connection: Connection): void {
		const { userCount, connectionCount } = this.#port.counts();
		const frame = encodeServerFrame(ServerEvents.Occupancy, { userCount, connectionCount });
		const payload = new TextEncoder().encode(JSON.stringify(JSON.parse(frame).data));
		this.#port.send(connection, retainedPublish("presence", payload));
	}

	#unsubscribe(connection: Connection, record: MqttRecord, packetId: number, filters: string[]): void {
		if (this.#port.rate(connection) !== "admit") throw new MqttViolation("rate limit exceeded");
		record.subs = (record.subs ?? []).filter(([filter]) => !filters.includes(filter));
		connection.touched();
		if (record.clean === false) this.#port.saveSession(connection, { subs: record.subs });
		this.#port.send(connection, encodeUnsuback(packetId));
	}
}
