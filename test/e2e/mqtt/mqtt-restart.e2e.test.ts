/**
 * End to end (1.5): a persistent MQTT session outlives a crash of the whole server (kill -9 of
 * `wrangler dev`'s process group) and a restart on the same port and `--persist-to` folder. The
 * messages acknowledged to their sender before the crash, and those sent after it, while the
 * MQTT client was away, reach it once each, in `seq` order, at QoS 1, when it comes back. A
 * session whose socket the crash cut gets what was sent while it was gone once each too; what it
 * had acknowledged just before the crash may come again (QoS 1 is at least once, and the room
 * saves a session's progress now and then, src/room/mqtt/DESIGN.md), never out of order.
 *
 * This file runs its own `wrangler dev` (the shared ones of global-setup.ts must not crash).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
	type RestartableWranglerDev,
	startRestartableWranglerDev,
} from "../../../scripts/local-server/restartable-wrangler-dev.ts";
import type { MessagesPage } from "../../../src/protocol";
import { randomRoom, type SocketLike, TestClient } from "../../support/client";
import { DEVELOPMENT_VARS } from "../../support/pinned-vars";
import { expectReply, opened, WAIT_MS } from "../clients";
import { closeAllMqtt, type Delivery, type MessageJson, mqttConnect } from "./mqtt-clients";

let server: RestartableWranglerDev | undefined;
const sockets: WebSocket[] = [];

beforeAll(async () => {
	server = await startRestartableWranglerDev({
		name: "e2e-mqtt-restart",
		vars: DEVELOPMENT_VARS,
		echo: Boolean(process.env.E2E_VERBOSE),
	});
}, 120_000);

afterAll(async () => {
	closeAllMqtt();
	for (const ws of sockets) ws.terminate();
	await server?.stop();
}, 60_000);

/** A protocol client of this file's server, registered as `userId`. */
async function member(origin: string, room: string, userId: string): Promise<TestClient> {
	const ws = new WebSocket(`${origin.replace(/^http/, "ws")}/rooms/${room}/ws`);
	sockets.push(ws);
	const client = new TestClient(ws as unknown as SocketLike);
	await opened(ws);
	await expectReply(client, "Register", { userId }, "Registered");
	return client;
}

/** The `message` of a delivered `Message` JSON. */
const textOf = (delivery: Delivery) => (delivery.value as MessageJson).message;
const seqOf = (delivery: Delivery) => (delivery.value as MessageJson).seq;
const isMessage = (text: string) => (delivery: Delivery) => textOf(delivery) === text;

describe("a persistent MQTT session across a crash and restart of the server", () => {
	it("gets what it missed before and after the crash once, in seq order, at QoS 1", async () => {
		if (!server) throw new Error("no server");
		const { origin } = server;
		const room = randomRoom();
		// The device is away during the crash; the sensor's socket is cut by it.
		const device = { origin, username: "device", clientId: `device-${crypto.randomUUID().slice(0, 8)}`, clean: false };
		const cut = { origin, username: "sensor", clientId: `sensor-${crypto.randomUUID().slice(0, 8)}`, clean: false };

		const first = await mqttConnect(room, device);
		const sensor = await mqttConnect(room, cut);
		expect(await first.subscribe({ messages: 1 })).toEqual([1]);
		expect(await sensor.subscribe({ messages: 1 })).toEqual([1]);
		let alice = await member(origin, room, "alice");
		await expectReply(alice, "SendMessage", { message: "seen" }, "MessageAck");
		await first.next("messages");
		await first.end();

		// Acknowledged to alice, so stored, while the device is away; then the crash.
		for (const text of ["before 1", "before 2"]) {
			await expectReply(alice, "SendMessage", { message: text }, "MessageAck");
		}
		await sensor.next("messages", isMessage("before 2"));
		const sensorBefore = sensor.on("messages").map(textOf);
		expect(sensorBefore).toEqual(["seen", "before 1", "before 2"]);
		await server.crashAndRestart();
		await Promise.all([alice.waitForClose(WAIT_MS), sensor.waitForClose()]);
		alice = await member(origin, room, "alice");
		for (const text of ["after 1", "after 2"]) {
			await expectReply(alice, "SendMessage", { message: text }, "MessageAck");
		}

		const back = await mqttConnect(room, device);
		const sensorBack = await mqttConnect(room, cut);
		expect(back.connack?.sessionPresent).toBe(true);
		expect(sensorBack.connack?.sessionPresent).toBe(true);
		// Each is the last message of the room when sent: once it is here, everything before it is too.
		for (const text of ["live", "end"]) {
			await expectReply(alice, "SendMessage", { message: text }, "MessageAck");
			await Promise.all([back.next("messages", isMessage(text)), sensorBack.next("messages", isMessage(text))]);
		}

		const got = back.on("messages");
		expect(got.map(textOf)).toEqual(["before 1", "before 2", "after 1", "after 2", "live", "end"]);
		expect(got.slice(0, 4).map((delivery) => delivery.qos)).toEqual([1, 1, 1, 1]);
		expect(got.map(seqOf)).toEqual([2, 3, 4, 5, 6, 7]);

		// The sensor: what it missed once each and in order, after at most a repeat of the last it had.
		const sensorGot = sensorBack.on("messages");
		const sensorSeqs = sensorGot.map(seqOf);
		expect(sensorSeqs).toEqual([...new Set(sensorSeqs)].sort((a, b) => a - b));
		const repeated = sensorGot.slice(0, -4).map(textOf);
		expect(sensorBefore.slice(sensorBefore.length - repeated.length)).toEqual(repeated);
		expect(sensorGot.slice(-4).map(textOf)).toEqual(["after 1", "after 2", "live", "end"]);
		expect(sensorGot.slice(0, -2).every((delivery) => delivery.qos === 1)).toBe(true);
		if (process.env.E2E_VERBOSE) console.log("repeated to the cut session after the crash:", repeated);

		// The room stored each once.
		const response = await fetch(`${origin}/rooms/${room}/messages?since=0`, { signal: AbortSignal.timeout(WAIT_MS) });
		const page = (await response.json()) as MessagesPage;
		expect(page.messages.map((message) => message.message)).toEqual([
			"seen",
			"before 1",
			"before 2",
			"after 1",
			"after 2",
			"live",
			"end",
		]);
	}, 120_000);
});
