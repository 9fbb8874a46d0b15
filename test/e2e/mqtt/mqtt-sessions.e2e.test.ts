/**
 * End to end (1.5): an MQTT session's life against the real `wrangler dev`, beside a protocol
 * client: persistent and clean sessions, wills, DUP resends, and the refusals that close a
 * connection with nothing stored or sent (docs/PROTOCOL.md "MQTT over WebSocket (1.5)").
 */
import { afterEach, describe, expect, it } from "vitest";
import { randomRoom } from "../../support/client";
import { closeAll, expectReply, join, WAIT_MS } from "../clients";
import {
	closeAllMqtt,
	type MessageJson,
	messageOf,
	mqttConnect,
	mqttRefused,
	storedMessages,
	throughMarker,
} from "./mqtt-clients";
import { closeAllRaw, rawMqtt, rawSession } from "./raw-mqtt";

afterEach(() => {
	closeAllMqtt();
	closeAllRaw();
	closeAll();
});

describe("MQTT sessions", () => {
	it("a persistent session gets session present and what it missed at QoS 1, in seq order, before new ones", async () => {
		const room = randomRoom();
		const clientId = `bob-${crypto.randomUUID().slice(0, 8)}`;
		const { client: alice } = await join(room, "alice");
		const first = await mqttConnect(room, { username: "bob", clientId, clean: false });
		expect(first.connack?.sessionPresent).toBe(false);
		expect(await first.subscribe({ messages: 1 })).toEqual([1]);
		await expectReply(alice, "SendMessage", { message: "seen" }, "MessageAck");
		await first.next("messages");
		await first.end();

		await expectReply(alice, "SendMessage", { message: "missed 1" }, "MessageAck");
		await expectReply(alice, "SendMessage", { message: "missed 2" }, "MessageAck");
		// No SUBSCRIBE this time: the room kept the session's subscription.
		const back = await mqttConnect(room, { username: "bob", clientId, clean: false });
		expect(back.connack?.sessionPresent).toBe(true);
		await expectReply(alice, "SendMessage", { message: "new" }, "MessageAck");
		await throughMarker(alice, back);
		const got = back.on("messages");
		expect(got.map((delivery) => (delivery.value as MessageJson).message)).toEqual([
			"missed 1",
			"missed 2",
			"new",
			{ marker: expect.any(String) },
		]);
		expect(got.slice(0, 2).map((delivery) => delivery.qos)).toEqual([1, 1]);
		const seqs = got.map((delivery) => (delivery.value as MessageJson).seq);
		expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
		await back.end();

		// A clean session starts empty and keeps nothing: the next persistent one is new too.
		const clean = await mqttConnect(room, { username: "bob", clientId, clean: true });
		expect(clean.connack?.sessionPresent).toBe(false);
		expect(await clean.subscribe({ messages: 1 })).toEqual([1]);
		await throughMarker(alice, clean);
		expect(clean.on("messages")).toHaveLength(1);
		await clean.end();
		await expectReply(alice, "SendMessage", { message: "after the clean session" }, "MessageAck");
		const fresh = await mqttConnect(room, { username: "bob", clientId, clean: false });
		expect(fresh.connack?.sessionPresent).toBe(false);
		expect(await fresh.subscribe({ messages: 1 })).toEqual([1]);
		await throughMarker(alice, fresh);
		expect(fresh.on("messages")).toHaveLength(1);
	});

	it("a will is published when the connection ends without DISCONNECT, and not after DISCONNECT", async () => {
		const room = randomRoom();
		const { client: alice } = await join(room, "alice");
		const will = (user: string, topic: string) => ({ topic, payload: JSON.stringify({ gone: user }), qos: 1 as const });
		const bob = await mqttConnect(room, { username: "bob", will: will("bob", "messages") });
		const dave = await mqttConnect(room, { username: "dave", will: will("dave", "signals") });
		const carol = await mqttConnect(room, { username: "carol", will: will("carol", "messages") });
		for (let i = 0; i < 3; i++) await alice.next("UserJoined", undefined, WAIT_MS);

		await Promise.all([bob.drop(), dave.drop(), carol.end()]);
		const message = await alice.next("Message", undefined, WAIT_MS);
		expect(message.data).toMatchObject({ from: { userId: "bob" }, message: { gone: "bob" } });
		const signal = await alice.next("Signal", undefined, WAIT_MS);
		expect(signal.data).toMatchObject({ from: { userId: "dave" }, signal: { gone: "dave" } });
		// Carol's close has been handled once she has left (after leave grace); nothing of hers came.
		await alice.next("UserLeft", (frame) => frame.data.user.userId === "carol", WAIT_MS);
		await alice.settle(WAIT_MS);
		expect(alice.received("Message")).toHaveLength(1);
		expect(alice.received("Signal")).toHaveLength(1);
		expect((await storedMessages(room)).map((stored) => stored.message)).toEqual([{ gone: "bob" }]);
	});

	it("a DUP resend of a stored QoS 1 PUBLISH is acknowledged and not stored again; a reused id without DUP is new", async () => {
		const room = randomRoom();
		const { client: alice } = await join(room, "alice");
		const bob = await rawSession(room, "bob");
		const publish = (payload: string, dup: boolean) =>
			bob.send({ cmd: "publish", topic: "messages", payload, qos: 1, messageId: 7, dup, retain: false });

		publish("once", false);
		await bob.next("puback", (packet) => packet.messageId === 7);
		publish("once", true);
		await bob.next("puback", (packet) => packet.messageId === 7);
		publish("again", false);
		await bob.next("puback", (packet) => packet.messageId === 7);

		expect((await storedMessages(room)).map((stored) => stored.message)).toEqual(["once", "again"]);
		await alice.settle(WAIT_MS);
		expect(alice.received("Message").map((frame) => frame.data.message)).toEqual(["once", "again"]);
	});
});

describe("MQTT refusals", () => {
	it("a protocol level other than 4 is refused with CONNACK 1, nothing registered", async () => {
		const room = randomRoom();
		const { client: alice } = await join(room, "alice");
		const refusal = await mqttRefused(room, { username: "bob", protocolVersion: 3 });
		expect(refusal).toEqual({ code: 1, closed: true });
		await alice.settle(WAIT_MS);
		expect(alice.pending("UserJoined")).toEqual([]);
	});

	it("a packet before CONNECT closes the connection", async () => {
		const raw = await rawMqtt(randomRoom());
		raw.send({ cmd: "pingreq" });
		await raw.waitForClose();
		expect(raw.packets).toEqual([]);
	});

	it("a PUBLISH to a foreign topic, to presence or with a wildcard closes the connection, nothing stored or sent", async () => {
		const room = randomRoom();
		const { client: alice } = await join(room, "alice");
		const carol = await mqttConnect(room, { username: "carol" });
		expect(await carol.subscribe({ messages: 1 })).toEqual([1]);
		for (const topic of ["chat", "presence", "messages/+", "messages/#", "rooms/other/messages"]) {
			const bob = await mqttConnect(room, { username: "bob" });
			bob.client.publish(topic, JSON.stringify({ topic }), { qos: 1 }, () => {});
			await bob.waitForClose();
			expect(bob.deliveries, topic).toEqual([]);
		}
		expect(await storedMessages(room)).toEqual([]);
		await throughMarker(alice, carol);
		expect(carol.on("messages").map((delivery) => messageOf(delivery).topic)).toEqual([undefined]);
		await alice.settle(WAIT_MS);
		expect(alice.received("Message")).toEqual([]);
	});
});
