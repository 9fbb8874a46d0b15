/** Opens MQTT sessions through the Worker's own fetch handler, as an MQTT client over WebSocket would. */
import { exports } from "cloudflare:workers";
import { afterEach, expect } from "vitest";
import { TestMqttClient } from "../support/mqtt-client";
import { roomUrl } from "./connect";

const open = new Set<TestMqttClient>();

afterEach(() => {
	for (const client of open) client.close();
	open.clear();
});

/** Asks for an MQTT session's socket; the answer may be a 101 or a refusal. */
export function upgradeMqtt(room: string, query = "", protocol = "mqtt"): Promise<Response> {
	return exports.default.fetch(roomUrl(room, "mqtt") + query, {
		headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": protocol },
	});
}

/** An open MQTT socket, nothing sent yet. */
export async function openMqtt(room: string, query = ""): Promise<TestMqttClient> {
	const response = await upgradeMqtt(room, query);
	expect(response.status).toBe(101);
	expect(response.headers.get("Sec-WebSocket-Protocol")).toBe("mqtt");
	const socket = response.webSocket as WebSocket;
	socket.accept();
	const client = new TestMqttClient(socket);
	open.add(client);
	return client;
}

/** A session CONNECTed as `userId` (development mode) and answered CONNACK 0. */
export async function joinMqtt(
	room: string,
	userId: string,
	options: { clientId?: string; clean?: boolean; keepalive?: number } = {},
) {
	const client = await openMqtt(room);
	const connack = await client.connect({ username: userId, clientId: options.clientId ?? `c-${userId}`, ...options });
	expect(connack.returnCode).toBe(0);
	return client;
}
