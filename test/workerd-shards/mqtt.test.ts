/** MQTT sessions in a room over objects of 2 (1.5): on a shard, they are members like any other. */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { randomRoom } from "../support/client";
import { roomUrl } from "../workerd/connect";
import { joinMqtt, openMqtt } from "../workerd/mqtt-connect";
import { members, objectStub } from "./rooms";

const shardsOf = async (room: string) =>
	((await (await exports.default.fetch(roomUrl(room, "occupancy"))).json()) as { shards: number }).shards;

/** What the root keeps of a user's persistent sessions: client id and last seq acknowledged. */
const sessionsAt = (room: string) =>
	runInDurableObject(objectStub(room, 0), (_, state) =>
		state.storage.sql.exec("SELECT client_id, acked_seq FROM mqtt_sessions").toArray(),
	);

const WILL = { topic: "messages", payload: Buffer.from('"bye"'), qos: 0 as const, retain: false };

describe("MQTT in a room over several objects", () => {
	it("carries messages between a session on a shard and members on the root, echoing once, in seq order", async () => {
		const room = randomRoom();
		const [ann, bob] = await members(room, ["ann", "bob"]);
		const mqtt = await joinMqtt(room, "dev");
		expect(await shardsOf(room)).toBe(2);
		expect(await mqtt.subscribe(["messages", 1], ["presence", 0])).toEqual([1, 0]);
		await ann?.client.request("SendMessage", { message: "from root" });
		await mqtt.publish("messages", '"from shard"', 1);
		expect((await bob?.client.next("Message"))?.data).toMatchObject({ seq: 1, message: "from root" });
		expect((await bob?.client.next("Message"))?.data).toMatchObject({ seq: 2, from: { userId: "dev" } });
		expect(await mqtt.publications("messages", 2)).toMatchObject([{ seq: 1 }, { seq: 2, message: "from shard" }]);
		expect(mqtt.published("presence")[0]).toEqual({ userCount: 3, connectionCount: 3 });
	});

	it("keeps a persistent session held on a shard at the root, across evictions of both", async () => {
		const room = randomRoom();
		const [ann] = await members(room, ["ann", "bob"]);
		const first = await joinMqtt(room, "dev", { clientId: "dev-1", clean: false });
		await first.subscribe(["messages", 1]);
		await ann?.client.request("SendMessage", { message: "seen" });
		await first.publications("messages", 1);
		first.close();
		// The shard reports the session's progress to the root as it lets the socket go.
		await vi.waitFor(async () => expect(await sessionsAt(room)).toEqual([{ client_id: "dev-1", acked_seq: 1 }]));
		await ann?.client.request("SendMessage", { message: "missed" });
		await evictDurableObject(objectStub(room, 1));
		await evictDurableObject(objectStub(room, 0));
		const again = await openMqtt(room);
		expect(await again.connect({ username: "dev", clientId: "dev-1", clean: false })).toMatchObject({
			returnCode: 0,
			sessionPresent: true,
		});
		expect(await again.publications("messages", 1)).toMatchObject([{ seq: 2, message: "missed" }]);
	});

	it("publishes the will of a session on a shard that ends without DISCONNECT", async () => {
		const room = randomRoom();
		const [ann] = await members(room, ["ann", "bob"]);
		const mqtt = await openMqtt(room);
		expect((await mqtt.connect({ username: "dev", clientId: "d", will: WILL })).returnCode).toBe(0);
		await ann?.client.next("UserJoined");
		mqtt.close();
		expect((await ann?.client.next("Message"))?.data).toMatchObject({ from: { userId: "dev" }, message: "bye" });
	});
});
