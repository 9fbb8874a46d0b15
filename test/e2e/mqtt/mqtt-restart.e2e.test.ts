/**
 * End to end (1.5): a persistent MQTT session outlives a crash of the whole server (kill -9 of
 * `wrangler dev`'s process group) and a restart on the same port and `--persist-to` folder. The
 * messages acknowledged to their sender before the crash, and those sent after it, while the
 * MQTT client was away, reach it once each, in `seq` order, at QoS 1, when it comes back.
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
import { closeAllMqtt, type MessageJson, mqttConnect } from "./mqtt-clients";

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

describe("a persistent MQTT session across a crash and restart of the server", () => {
	it("gets what it missed before and after the crash once, in seq order, at QoS 1", async () => {
		if (!server) throw new Error("no server");
		const { origin } = server;
		const room = randomRoom();
		const clientId = `device-${crypto.randomUUID().slice(0, 8)}`;
		const session = { origin, username: "device", clientId, clean: false } as const;

		const first = await mqttConnect(room, session);
		expect(await first.subscribe({ messages: 1 })).toEqual([1]);
		let alice = await member(origin, room, "alice");
		await expectReply(alice, "SendMessage", { message: "seen" }, "MessageAck");
		await first.next("messages");
		await first.end();

		// Acknowledged to alice, so stored, while the device is away; then the crash.
		for (const text of ["before 1", "before 2"])
			await expectReply(alice, "SendMessage", { message: text }, "MessageAck");
		await server.crashAndRestart();
		await alice.waitForClose(WAIT_MS);
		alice = await member(origin, room, "alice");
		for (const text of ["after 1", "after 2"]) await expectReply(alice, "SendMessage", { message: text }, "MessageAck");

		const back = await mqttConnect(room, session);
		expect(back.connack?.sessionPresent).toBe(true);
		await expectReply(alice, "SendMessage", { message: "live" }, "MessageAck");
		// "live" is the last message of the room: once it is here, everything before it is too.
		await back.next("messages", (delivery) => (delivery.value as MessageJson).message === "live");
		await expectReply(alice, "SendMessage", { message: "end" }, "MessageAck");
		await back.next("messages", (delivery) => (delivery.value as MessageJson).message === "end");

		const got = back.on("messages");
		expect(got.map((delivery) => (delivery.value as MessageJson).message)).toEqual([
			"before 1",
			"before 2",
			"after 1",
			"after 2",
			"live",
			"end",
		]);
		expect(got.slice(0, 4).map((delivery) => delivery.qos)).toEqual([1, 1, 1, 1]);
		const seqs = got.map((delivery) => (delivery.value as MessageJson).seq);
		expect(seqs).toEqual(Array.from({ length: 6 }, (_, i) => 2 + i));

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
