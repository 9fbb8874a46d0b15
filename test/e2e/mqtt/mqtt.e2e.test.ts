/**
 * End to end (1.5): MQTT.js in Node and protocol (JSON WebSocket) clients in one room of the real
 * `wrangler dev`: each sees the other's messages, direct messages, signals and presence, on the
 * topics docs/PROTOCOL.md "MQTT over WebSocket (1.5)" names, wildcards included.
 */
import { afterEach, describe, expect, it } from "vitest";
import { randomRoom } from "../../support/client";
import { closeAll, expectReply, get, join, WAIT_MS } from "../clients";
import { closeAllMqtt, type MessageJson, messageOf, mqttConnect, storedMessages, throughMarker } from "./mqtt-clients";

afterEach(() => {
	closeAllMqtt();
	closeAll();
});

describe("MQTT over WebSocket beside protocol clients", () => {
	it("a PUBLISH on messages at QoS 0 and 1 reaches a protocol client as Message; the PUBACK comes once stored", async () => {
		const room = randomRoom();
		const { client: alice } = await join(room, "alice");
		const bob = await mqttConnect(room, { username: "bob" });
		expect(bob.connack?.returnCode).toBe(0);

		await bob.publish("messages", { text: "at most once" }, 0);
		await bob.publish("messages", "plain text, not JSON", 1);
		// Acknowledged means stored (the QoS 1 one at least; the QoS 0 one came first on the same session).
		expect((await storedMessages(room)).map((message) => message.message)).toEqual([
			{ text: "at most once" },
			"plain text, not JSON",
		]);

		const first = await alice.next("Message", undefined, WAIT_MS);
		const second = await alice.next("Message", undefined, WAIT_MS);
		expect(first.data).toMatchObject({ from: { userId: "bob" }, message: { text: "at most once" } });
		expect(second.data).toMatchObject({ from: { userId: "bob" }, message: "plain text, not JSON" });
		expect(second.data.seq).toBe(first.data.seq + 1);
		await alice.settle(WAIT_MS);
		expect(alice.received("Message")).toHaveLength(2);
	});

	it("a protocol client's message reaches a messages subscriber as the Message JSON; an MQTT publisher gets its own once", async () => {
		const room = randomRoom();
		const { client: alice } = await join(room, "alice");
		const bob = await mqttConnect(room, { username: "bob" });
		const carol = await mqttConnect(room, { username: "carol" });
		expect(await bob.subscribe({ messages: 1 })).toEqual([1]);
		expect(await carol.subscribe({ messages: 0 })).toEqual([0]);

		const ack = await expectReply(alice, "SendMessage", { message: { n: 1 } }, "MessageAck");
		const atBob = await bob.next("messages");
		expect(atBob.qos).toBe(1);
		expect(atBob.value).toEqual({
			id: ack.data.id,
			seq: ack.data.seq,
			from: expect.objectContaining({ userId: "alice" }),
			sentAt: ack.data.sentAt,
			message: { n: 1 },
		});
		const atCarol = await carol.next("messages");
		expect(atCarol.qos).toBe(0);
		expect(atCarol.value).toEqual(atBob.value);

		// Bob's own message comes back to him (MQTT 3.1.1), once, in seq order; alice's never to her.
		await bob.publish("messages", { n: 2 }, 1);
		const echo = await bob.next("messages", (delivery) => messageOf(delivery).n === 2);
		expect((echo.value as MessageJson).from.userId).toBe("bob");
		expect((echo.value as MessageJson).seq).toBe(ack.data.seq + 1);
		expect((await alice.next("Message", undefined, WAIT_MS)).data).toMatchObject({ message: { n: 2 } });
		await throughMarker(alice, bob, carol);
		expect(bob.on("messages").map((delivery) => messageOf(delivery).n)).toEqual([1, 2, undefined]);
		expect(carol.on("messages").map((delivery) => messageOf(delivery).n)).toEqual([1, 2, undefined]);
		await alice.settle(WAIT_MS);
		expect(alice.received("Message").map((frame) => frame.data.message)).toEqual([{ n: 2 }]);
	});

	it("messages/USERID carries direct messages to that user only; another user's is refused with 0x80", async () => {
		const room = randomRoom();
		const { client: alice } = await join(room, "alice");
		const bob = await mqttConnect(room, { username: "bob" });
		const carol = await mqttConnect(room, { username: "carol" });
		expect(await bob.subscribe({ messages: 1, "messages/bob": 1 })).toEqual([1, 1]);
		expect(await carol.subscribe({ messages: 1, "messages/carol": 1 })).toEqual([1, 1]);
		expect(await carol.subscribe({ "messages/bob": 1 })).toEqual([128]);

		await expectReply(alice, "SendMessage", { message: "for bob", to: "bob" }, "MessageAck");
		const direct = await bob.next("messages/bob");
		expect(direct.value).toMatchObject({ from: { userId: "alice" }, message: "for bob", to: "bob" });

		// A PUBLISH on messages/alice is a direct message to alice.
		await bob.publish("messages/alice", "for alice", 1);
		expect((await alice.next("Message", undefined, WAIT_MS)).data).toMatchObject({
			from: { userId: "bob" },
			message: "for alice",
			to: "alice",
		});

		await throughMarker(alice, bob, carol);
		// Bob got his once, on messages/bob and not on messages; carol got none of the two.
		expect(bob.on("messages/bob").map((delivery) => delivery.text)).toHaveLength(1);
		expect(bob.on("messages").map((delivery) => (delivery.value as MessageJson).to)).toEqual([undefined]);
		expect(carol.deliveries.map((delivery) => delivery.topic)).toEqual(["messages"]);
		expect(carol.on("messages").every((delivery) => (delivery.value as MessageJson).to === undefined)).toBe(true);
	});

	it("signals travel both ways as Signal data, never back to their sender", async () => {
		const room = randomRoom();
		const { client: alice } = await join(room, "alice");
		const bob = await mqttConnect(room, { username: "bob" });
		expect(await bob.subscribe({ signals: 0, messages: 1 })).toEqual([0, 1]);

		alice.send({ eventType: "ClientEvent", event: "Signal", requestData: { signal: { typing: true } } });
		const fromAlice = await bob.next("signals");
		expect(fromAlice.qos).toBe(0);
		expect(fromAlice.value).toMatchObject({ from: { userId: "alice" }, signal: { typing: true } });
		expect(typeof (fromAlice.value as { sentAt: unknown }).sentAt).toBe("number");

		await bob.publish("signals", { typing: false }, 0);
		const fromBob = await alice.next("Signal", undefined, WAIT_MS);
		expect(fromBob.data).toMatchObject({ from: { userId: "bob" }, signal: { typing: false } });

		// Alice's signal, then her marker message: bob has alice's one signal and not his own.
		await throughMarker(alice, bob);
		expect(bob.on("signals").map((delivery) => delivery.value)).toEqual([fromAlice.value]);
		await alice.settle(WAIT_MS);
		expect(alice.received("Signal")).toHaveLength(1);
	});

	it("presence: retained counts on subscribing, new counts after a join; protocol clients count the MQTT user", async () => {
		const room = randomRoom();
		const { client: alice } = await join(room, "alice");
		const bob = await mqttConnect(room, { username: "bob" });
		expect((await alice.next("UserJoined", undefined, WAIT_MS)).data.user).toMatchObject({ userId: "bob" });
		const users = await get(`/rooms/${room}/users`);
		expect(((await users.json()) as { userCount: number }).userCount).toBe(2);

		expect(await bob.subscribe({ presence: 0 })).toEqual([0]);
		const retained = await bob.next("presence");
		expect(retained.retain).toBe(true);
		expect(retained.value).toEqual({ userCount: 2, connectionCount: 2 });

		await join(room, "carol");
		const changed = await bob.next("presence");
		expect(changed.value).toEqual({ userCount: 3, connectionCount: 3 });
	});

	it("wildcards: # and + match the room's topics; QoS 2 is granted as 1", async () => {
		const room = randomRoom();
		const { client: alice } = await join(room, "alice");
		const bob = await mqttConnect(room, { username: "bob" });
		const carol = await mqttConnect(room, { username: "carol" });
		expect(await bob.subscribe({ "#": 2 })).toEqual([1]);
		expect(await carol.subscribe({ "+": 1, "messages/+": 1 })).toEqual([1, 1]);
		// Both got the room's counts on presence, retained.
		expect((await bob.next("presence")).retain).toBe(true);
		expect((await carol.next("presence")).retain).toBe(true);

		await expectReply(alice, "SendMessage", { message: "to all" }, "MessageAck");
		await expectReply(alice, "SendMessage", { message: "to bob", to: "bob" }, "MessageAck");
		await expectReply(alice, "SendMessage", { message: "to carol", to: "carol" }, "MessageAck");
		alice.send({ eventType: "ClientEvent", event: "Signal", requestData: { signal: "wave" } });

		for (const [session, self] of [
			[bob, "bob"],
			[carol, "carol"],
		] as const) {
			const broadcast = await session.next("messages");
			expect(broadcast.qos).toBe(1);
			expect((broadcast.value as MessageJson).message).toBe("to all");
			expect((await session.next(`messages/${self}`)).value).toMatchObject({ message: `to ${self}` });
			expect((await session.next("signals")).value).toMatchObject({ signal: "wave" });
		}
		await throughMarker(alice, bob, carol);
		for (const session of [bob, carol]) {
			// One copy of each, however many filters match: one direct message, the broadcast, the marker.
			expect(session.deliveries.filter((delivery) => delivery.topic.startsWith("messages"))).toHaveLength(3);
		}
	});
});
