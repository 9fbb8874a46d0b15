/**
 * (1.5) An MQTT CONNECT: checked as MQTT 3.1.1 says (level, client identifier, user name, the token
 * as its password where the room needs one, a will the room can publish), then made the
 * `Register` a protocol connection would send. Every refusal is a CONNACK code, then a close.
 */
import { encodeConnack, type IConnectPacket } from "../../mqtt/packets";
import { publishTarget } from "../../mqtt/topics";
import { parseClientFrame } from "../../protocol";
import type { Connection } from "../connection";
import type { VerifiedIdentity } from "../handoff";
import { RequestIds } from "./egress";
import type { IngressPort } from "./ingress";
import { payloadValue, safeText, toBytes } from "./payload";
import { MAX_WILL_BYTES, type MqttRecord } from "./record";

export async function connectSession(
	port: IngressPort,
	connection: Connection,
	record: MqttRecord,
	packet: IConnectPacket,
): Promise<void> {
	const refuse = (code: number, text: string) => {
		port.send(connection, encodeConnack(code, false));
		port.close(connection, 1008, text);
	};
	record.st = "wait";
	connection.touched();
	if (packet.protocolId !== "MQTT" || packet.protocolVersion !== 4) {
		return refuse(1, "this server speaks MQTT 3.1.1 (protocol level 4)");
	}
	let clientId = packet.clientId ?? "";
	if (clientId.length > 64 || (clientId === "" && !packet.clean)) {
		return refuse(2, "the client identifier must be 1 to 64 characters");
	}
	if (clientId === "") clientId = `mqtt-${crypto.randomUUID()}`;
	let verified = connection.verified;
	if (record.auth) {
		const password = packet.password === undefined ? undefined : safeText(packet.password);
		let checked: VerifiedIdentity | number;
		try {
			checked = await port.verifyPassword(password);
		} catch (error) {
			port.logFailure("mqtt CONNECT (token)", error);
			checked = 5;
		}
		if (connection.closed) return;
		if (typeof checked === "number") return refuse(checked, "the CONNECT password is not a valid room token");
		verified = checked;
		connection.verify(checked);
	}
	const username = packet.username;
	if (verified && username !== undefined && username !== verified.userId) {
		return refuse(4, "the user name is not the token's user");
	}
	if (!verified && (username === undefined || username.length < 1 || username.length > 64)) {
		return refuse(4, "the user name (1 to 64 characters) is the user id");
	}
	if (packet.will) {
		const will = willOf(packet.will.topic, toBytes(packet.will.payload));
		if (!will) return refuse(5, "a will goes to messages, messages/USER or signals, 4 KiB at most");
		record.will = will;
	}
	record.cid = clientId;
	record.clean = packet.clean;
	record.ka = packet.keepalive;
	// MQTT 3.1.1: a client identifier already connected is taken over, the older socket closed (here:
	// on this object; its will is not published, since its client is back).
	port.takeOver(connection, verified?.userId ?? (username as string), clientId);
	const requestData = { presence: "count", ...(username === undefined ? {} : { userId: username }) };
	const parsed = parseClientFrame(
		JSON.stringify({ eventType: "ClientEvent", event: "Register", requestId: RequestIds.connect, requestData }),
	);
	if (!parsed.ok) return refuse(4, parsed.message.slice(0, 100));
	(parsed.frame.requestData as Record<string, unknown>).mqtt = { clientId, clean: packet.clean };
	port.submit(connection, parsed.frame);
	if (record.auth) connection.settle();
}

/** A will the room can publish: to a topic a PUBLISH may name, within 4 KiB, UTF-8. */
function willOf(topic: string, payload: Uint8Array): MqttRecord["will"] {
	if (!publishTarget(topic) || payload.length > MAX_WILL_BYTES) return undefined;
	const value = payloadValue(payload);
	return value === undefined ? undefined : { topic, value };
}
