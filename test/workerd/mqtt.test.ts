/** MQTT sessions and protocol connections in one room (1.5): messages, echo, QoS 1, refusals. */
import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { join } from "./connect";
import { joinMqtt, openMqtt } from "./mqtt-connect";

describe("MQTT over WebSocket", () => {
	it("carries messages both ways between MQTT and protocol clients, in seq order, echoing to the publisher", async () => {
		const room = randomRoom();
		const mqtt = await joinMqtt(room, "dev");
		expect(await mqtt.subscribe(["messages", 1])).toEqual([1]);
		const ann = await join(room, "ann");
		await mqtt.publish("messages", JSON.stringify({ text: "from mqtt" }), 1);
		const heard = await ann.next("Message");
		expect(heard.data).toMatchObject({ from: { userId: "dev" }, message: { text: "from mqtt" } });
		await ann.request("SendMessage", { message: { text: "from json" } });
		const got = await mqtt.publications("messages", 2);
		expect(got).toMatchObject([
			{ seq: 1, from: { userId: "dev" }, message: { text: "from mqtt" } },
			{ seq: 2, from: { userId: "ann" }, message: { text: "from json" } },
		]);
	});

	it("refuses anything but CONNECT first, and a protocol level other than 4", async () => {
		const room = randomRoom();
		const early = await openMqtt(room);
		early.send({ cmd: "pingreq" });
		await early.closed();
		const old = await openMqtt(room);
		const connack = await old.connect({ clientId: "x", username: "u", protocolVersion: 3, protocolId: "MQIsdp" });
		expect(connack.returnCode).toBe(1);
		await old.closed();
	});
});
