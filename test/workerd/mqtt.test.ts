/** MQTT sessions and protocol connections in one room (1.5): topics, QoS, echo, refusals. */
import { runDurableObjectAlarm } from "cloudflare:test";
import mqttPacket, { type Packet } from "mqtt-packet";
import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { passTime } from "./clock";
import { join, roomStub, usersOf } from "./connect";
import { messagesPage } from "./history-helpers";
import { joinMqtt, openMqtt } from "./mqtt-connect";

const packetBytes = (packet: Packet) => new Uint8Array(mqttPacket.generate(packet));
const messagesOf = async (room: string) => (await messagesPage(room)).messages;

describe("MQTT over WebSocket", () => {
	it("carries messages both ways between MQTT and protocol clients, in seq order, echoing to the publisher", async () => {
		const room = randomRoom();
		const mqtt = await joinMqtt(room, "dev");
		expect(await mqtt.subscribe(["messages", 1])).toEqual([1]);
		const ann = await join(room, "ann");
		await mqtt.publish("messages", JSON.stringify({ text: "from mqtt" }), 1);
		const heard = await ann.next("Message");
		expect(heard.data).toMatchObject({ from: { userId: "dev" }, message: { text: "from mqtt" } });
		await ann.request("SendMessage", { message: "plain" });
		await mqtt.publish("messages", "not json", 0);
		const got = await mqtt.publications("messages", 3);
		expect(got).toMatchObject([
			{ seq: 1, from: { userId: "dev" }, message: { text: "from mqtt" } },
			{ seq: 2, from: { userId: "ann" }, message: "plain" },
			{ seq: 3, from: { userId: "dev" }, message: "not json" },
		]);
		expect(got[0]).toEqual({
			id: expect.any(String),
			seq: 1,
			from: expect.any(Object),
			message: expect.anything(),
			sentAt: expect.any(Number),
		});
		// QoS 1 subscribers get QoS 1 publications, their packet identifiers from the seq.
		const qos = mqtt.packets
			.filter((p) => p.cmd === "publish")
			.map((p) => [p.qos, (p as { messageId?: number }).messageId]);
		expect(qos).toEqual([
			[1, 2],
			[1, 3],
			[1, 4],
		]);
	});

	it("sends direct messages on messages/USER only to that user, and refuses a subscription to another's", async () => {
		const room = randomRoom();
		const bob = await joinMqtt(room, "bob");
		const eve = await joinMqtt(room, "eve");
		expect(await bob.subscribe(["messages/bob", 1], ["messages", 0])).toEqual([1, 0]);
		expect(await eve.subscribe(["messages/bob", 0], ["#", 2])).toEqual([0x80, 1]);
		const ann = await join(room, "ann");
		await ann.request("SendMessage", { message: "psst", to: "bob" });
		await ann.request("SendMessage", { message: "all" });
		expect(await bob.publications("messages/bob", 1)).toMatchObject([{ message: "psst", to: "bob" }]);
		expect(await bob.publications("messages", 1)).toMatchObject([{ message: "all" }]);
		expect(await eve.publications("messages", 1)).toMatchObject([{ message: "all" }]);
		expect(bob.published("messages")).toHaveLength(1);
		expect(eve.packets.filter((p) => p.cmd === "publish" && p.topic !== "messages" && p.topic !== "presence")).toEqual(
			[],
		);
		await bob.publish("messages/ann", JSON.stringify({ text: "back" }), 1);
		expect((await ann.next("Message")).data).toMatchObject({
			from: { userId: "bob" },
			to: "ann",
			message: { text: "back" },
		});
	});

	it("relays signals both ways (never to their sender) and keeps presence as a retained count", async () => {
		const room = randomRoom();
		const mqtt = await joinMqtt(room, "dev");
		expect(await mqtt.subscribe(["signals", 1], ["presence", 0])).toEqual([0, 0]);
		const retained = await mqtt.next("publish", (p) => (p as { topic?: string }).topic === "presence");
		expect(retained).toMatchObject({ retain: true });
		expect(JSON.parse(String((retained as { payload: unknown }).payload))).toEqual({
			userCount: 1,
			connectionCount: 1,
		});
		const ann = await join(room, "ann");
		expect((await usersOf(room)).map((user) => user.userId).sort()).toEqual(["ann", "dev"]);
		ann.send({ eventType: "ClientEvent", event: "Signal", requestData: { signal: { typing: true } } });
		expect(await mqtt.publications("signals", 1)).toMatchObject([
			{ from: { userId: "ann" }, signal: { typing: true } },
		]);
		await mqtt.publish("signals", JSON.stringify({ typing: false }));
		expect((await ann.next("Signal")).data).toMatchObject({ from: { userId: "dev" }, signal: { typing: false } });
		expect(await mqtt.publications("presence", 1)).toEqual([{ userCount: 2, connectionCount: 2 }]);
		expect(mqtt.published("signals")).toHaveLength(1);
	});

	it("stores a DUP resend of a QoS 1 packet once, and a new packet reusing its identifier anew", async () => {
		const room = randomRoom();
		const mqtt = await joinMqtt(room, "dev");
		await mqtt.publish("messages", '"one"', 1, { messageId: 7 });
		await mqtt.publish("messages", '"one"', 1, { messageId: 7, dup: true });
		await mqtt.publish("messages", '"two"', 1, { messageId: 7 });
		expect((await messagesOf(room)).map((m) => m.message)).toEqual(["one", "two"]);
	});

	it("closes the connection for a PUBLISH to a topic of no room's, or a payload not UTF-8, storing nothing", async () => {
		const room = randomRoom();
		const ann = await join(room, "ann");
		for (const [topic, payload] of [
			["presence", "x"],
			["messages/+", "x"],
			["other", "x"],
		] as const) {
			const mqtt = await joinMqtt(room, "dev");
			await mqtt.publish(topic, payload, 0);
			await mqtt.closed();
		}
		const bad = await joinMqtt(room, "dev");
		bad.send({
			cmd: "publish",
			topic: "messages",
			payload: Buffer.from([0xff, 0xfe]),
			qos: 0,
			dup: false,
			retain: false,
		});
		await bad.closed();
		expect(await messagesOf(room)).toEqual([]);
		await ann.settle();
		expect(ann.pending("Message")).toEqual([]);
	});

	it("refuses anything but CONNECT first, a protocol level other than 4, and a missing user name", async () => {
		const room = randomRoom();
		const early = await openMqtt(room);
		early.send({ cmd: "pingreq" });
		await early.closed();
		const old = await openMqtt(room);
		expect(
			(await old.connect({ clientId: "x", username: "u", protocolVersion: 3, protocolId: "MQIsdp" })).returnCode,
		).toBe(1);
		await old.closed();
		const anonymous = await openMqtt(room);
		expect((await anonymous.connect({ clientId: "x" })).returnCode).toBe(4);
		await anonymous.closed();
		expect(await usersOf(room)).toEqual([]);
	});

	it("takes a packet split over frames (even in its length) and several packets in one frame", async () => {
		const room = randomRoom();
		const mqtt = await openMqtt(room);
		const connect = packetBytes({
			cmd: "connect",
			protocolId: "MQTT",
			protocolVersion: 4,
			clean: true,
			keepalive: 60,
			clientId: "s",
			username: "dev",
		});
		for (const cut of [
			[0, 1],
			[1, 2],
			[2, 9],
			[9, connect.length],
		])
			mqtt.send(connect.subarray(cut[0], cut[1]));
		expect(await mqtt.next("connack")).toMatchObject({ returnCode: 0 });
		const subscribe = packetBytes({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "messages", qos: 1 }] });
		const publish = packetBytes({
			cmd: "publish",
			topic: "messages",
			payload: '"both"',
			qos: 1,
			messageId: 2,
			dup: false,
			retain: false,
		});
		const ping = packetBytes({ cmd: "pingreq" });
		mqtt.send(Uint8Array.from([...subscribe, ...publish, ...ping.subarray(0, 1)]));
		mqtt.send(ping.subarray(1));
		await mqtt.next("suback");
		await mqtt.next("puback");
		await mqtt.next("pingresp");
		expect(await mqtt.publications("messages", 1)).toMatchObject([{ message: "both" }]);
	});

	it("grants QoS 2 as 1 and answers a QoS 2 PUBLISH with PUBREC, then PUBREL with PUBCOMP, storing it once", async () => {
		const room = randomRoom();
		const mqtt = await joinMqtt(room, "dev");
		expect(await mqtt.subscribe(["messages", 2])).toEqual([1]);
		mqtt.send({ cmd: "publish", topic: "messages", payload: '"q2"', qos: 2, messageId: 9, dup: false, retain: false });
		await mqtt.next("pubrec");
		mqtt.send({ cmd: "pubrel", messageId: 9 });
		await mqtt.next("pubcomp");
		expect((await messagesOf(room)).map((m) => m.message)).toEqual(["q2"]);
	});

	it("lets go of a socket that sends no CONNECT within 10 s", async () => {
		const room = randomRoom();
		const mqtt = await openMqtt(room);
		passTime(10_000);
		await runDurableObjectAlarm(roomStub(room));
		expect((await mqtt.closed()).code).toBe(4000);
	});
});
