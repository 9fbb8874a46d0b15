/** MQTT sessions over time (1.5): persistent and clean sessions, keep alive, wills, hibernation. */
import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { passTime } from "./clock";
import { join, roomStub, usersOf } from "./connect";
import { joinMqtt, openMqtt } from "./mqtt-connect";

const WILL = {
	topic: "messages",
	payload: Buffer.from(JSON.stringify({ gone: true })),
	qos: 0 as const,
	retain: false,
};

describe("MQTT sessions", () => {
	it("keeps a persistent session: what was missed comes at QoS 1, in seq order, before new messages, after an eviction", async () => {
		const room = randomRoom();
		const ann = await join(room, "ann");
		const first = await joinMqtt(room, "dev", { clientId: "dev-1", clean: false });
		expect(await first.subscribe(["messages", 1])).toEqual([1]);
		await ann.request("SendMessage", { message: "seen" });
		await first.publications("messages", 1);
		first.close();
		await ann.next("UserLeft");
		await ann.request("SendMessage", { message: "missed 1" });
		await ann.request("SendMessage", { message: "missed 2" });
		await evictDurableObject(roomStub(room));

		const again = await openMqtt(room);
		const connack = await again.connect({ username: "dev", clientId: "dev-1", clean: false });
		expect(connack).toMatchObject({ returnCode: 0, sessionPresent: true });
		await ann.request("SendMessage", { message: "live" });
		expect(await again.publications("messages", 3)).toMatchObject([
			{ seq: 2, message: "missed 1" },
			{ seq: 3, message: "missed 2" },
			{ seq: 4, message: "live" },
		]);
		expect(again.packets.filter((p) => p.cmd === "publish").map((p) => p.qos)).toEqual([1, 1, 1]);
	});

	it("starts a clean session empty, and forgets the persistent one it replaces", async () => {
		const room = randomRoom();
		const kept = await joinMqtt(room, "dev", { clientId: "dev-1", clean: false });
		await kept.subscribe(["messages", 1]);
		kept.close();
		const clean = await openMqtt(room);
		expect(await clean.connect({ username: "dev", clientId: "dev-1", clean: true })).toMatchObject({
			sessionPresent: false,
		});
		const ann = await join(room, "ann");
		await ann.request("SendMessage", { message: "unheard" });
		clean.close();
		const later = await openMqtt(room);
		expect(await later.connect({ username: "dev", clientId: "dev-1", clean: false })).toMatchObject({
			sessionPresent: false,
		});
		await ann.request("SendMessage", { message: "after" });
		await ann.settle();
		expect(later.packets.filter((p) => p.cmd === "publish")).toEqual([]);
	});

	it("closes a session silent for 1.5 keep alives with 4000, publishes its will, and its user leaves with reason timeout", async () => {
		const room = randomRoom();
		const ann = await join(room, "ann");
		const mqtt = await openMqtt(room);
		expect((await mqtt.connect({ username: "dev", clientId: "d", keepalive: 10, will: WILL })).returnCode).toBe(0);
		await ann.next("UserJoined");
		passTime(14_000);
		await runDurableObjectAlarm(roomStub(room));
		expect(mqtt.closeEvent).toBeUndefined();
		passTime(2_000);
		await runDurableObjectAlarm(roomStub(room));
		expect((await mqtt.closed()).code).toBe(4000);
		expect((await ann.next("Message")).data).toMatchObject({ from: { userId: "dev" }, message: { gone: true } });
		expect((await ann.next("UserLeft")).data).toMatchObject({ user: { userId: "dev" }, reason: "timeout" });
	});

	it("publishes no will after DISCONNECT, and answers PINGREQ", async () => {
		const room = randomRoom();
		const ann = await join(room, "ann");
		const mqtt = await openMqtt(room);
		expect((await mqtt.connect({ username: "dev", clientId: "d", will: WILL })).returnCode).toBe(0);
		mqtt.send({ cmd: "pingreq" });
		await mqtt.next("pingresp");
		mqtt.send({ cmd: "disconnect" });
		await mqtt.closed();
		await ann.next("UserLeft");
		await ann.settle();
		expect(ann.pending("Message")).toEqual([]);
	});

	it("keeps subscriptions and identity across hibernation and eviction", async () => {
		const room = randomRoom();
		const mqtt = await joinMqtt(room, "dev");
		await mqtt.subscribe(["messages", 0]);
		await evictDurableObject(roomStub(room));
		const ann = await join(room, "ann");
		await ann.request("SendMessage", { message: "after" });
		await mqtt.publish("messages", '"mine"', 1);
		expect(await mqtt.publications("messages", 2)).toMatchObject([
			{ from: { userId: "ann" }, message: "after" },
			{ from: { userId: "dev" }, message: "mine" },
		]);
		expect((await usersOf(room)).map((user) => user.userId).sort()).toEqual(["ann", "dev"]);
	});

	it("takes over a session whose client identifier connects again, without its will", async () => {
		const room = randomRoom();
		const ann = await join(room, "ann");
		const old = await openMqtt(room);
		expect((await old.connect({ username: "dev", clientId: "d", will: WILL })).returnCode).toBe(0);
		const fresh = await joinMqtt(room, "dev", { clientId: "d" });
		expect((await old.closed()).code).toBe(1000);
		await fresh.subscribe(["messages", 0]);
		await ann.request("SendMessage", { message: "hi" });
		expect(await fresh.publications("messages", 1)).toMatchObject([{ message: "hi" }]);
		expect(ann.pending("Message")).toEqual([]);
		expect((await usersOf(room)).find((user) => user.userId === "dev")?.connections).toBe(1);
	});

	it("closes a removed user's session with 4003 and publishes no will for them", async () => {
		const room = randomRoom();
		const ann = await join(room, "ann");
		const mqtt = await openMqtt(room);
		expect((await mqtt.connect({ username: "dev", clientId: "d", will: WILL })).returnCode).toBe(0);
		await ann.next("UserJoined");
		await roomStub(room).remove("dev", {});
		expect((await mqtt.closed()).code).toBe(4003);
		expect((await ann.next("UserLeft")).data).toMatchObject({ user: { userId: "dev" }, reason: "removed" });
		await ann.settle();
		expect(ann.pending("Message")).toEqual([]);
	});
});
