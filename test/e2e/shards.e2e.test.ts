/**
 * End to end (1.3): a room over several objects in a real `wrangler dev` (its own, with objects
 * of 20 connections). 100 clients over 5+ objects: placement and `/occupancy`'s `shards`, messages
 * from senders on several objects (once each, in `seq` order, at every other client, in history),
 * presence (every roster equals GET /users), direct messages and signals only to their user.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RestartableWranglerDev } from "../../scripts/local-server/restartable-wrangler-dev.ts";
import { mapConcurrently } from "../../scripts/resuming-client/many-sockets.ts";
import type { MessagesPage, User } from "../../src/protocol";
import { randomRoom } from "../support/client";
import {
	getJson,
	joinRoom,
	messagesOf,
	OBJECT_CONNECTIONS,
	rosterOf,
	type ShardClient,
	startShardedServer,
	WAIT_MS,
	waitUntil,
} from "./shards/sharded-server";

const CLIENTS = 100;
const SENDERS = 4;
const MESSAGES_EACH = 10;

let server: RestartableWranglerDev | undefined;
const clients: ShardClient[] = [];

beforeAll(async () => {
	server = await startShardedServer("e2e-shards");
}, 120_000);

afterEach(() => {
	for (const client of clients.splice(0)) client.ws.terminate();
});

afterAll(async () => {
	await server?.stop();
}, 60_000);

describe("a room over several objects", () => {
	it("places 100 clients over 5+ objects; messages, presence and direct messages hold across them", async () => {
		if (!server) throw new Error("no server");
		const { origin, wsOrigin } = server;
		const room = randomRoom("shards");
		// In turns of 10, so that placement sees each turn's connections before the next.
		for (let turn = 0; turn < CLIENTS / 10; turn++) {
			const joined = await mapConcurrently(10, 10, (i) =>
				joinRoom(wsOrigin, room, `u${turn * 10 + i}`, i % 2 === 0 ? "events" : "batched"),
			);
			clients.push(...joined);
		}

		// Placement: the first object fills, then more, none over its size.
		const perShard = new Map<number, number>();
		for (const client of clients) perShard.set(client.shard, (perShard.get(client.shard) ?? 0) + 1);
		const shards = [...perShard.keys()].sort((a, b) => a - b);
		expect(shards[0]).toBe(0);
		expect(shards.length).toBeGreaterThanOrEqual(5);
		expect(Math.max(...perShard.values())).toBeLessThanOrEqual(OBJECT_CONNECTIONS);
		const occupancy = await getJson<{ userCount: number; connectionCount: number; shards: number }>(
			origin,
			`/rooms/${room}/occupancy`,
		);
		expect(occupancy).toMatchObject({ userCount: CLIENTS, connectionCount: CLIENTS, shards: shards.length });

		// Presence: every roster (events and batched) ends equal to the room's.
		const users = await getJson<{ users: User[]; userCount: number }>(origin, `/rooms/${room}/users`);
		const everyone = users.users.map((user) => user.userId).sort();
		expect(everyone).toHaveLength(CLIENTS);
		await Promise.all(clients.map((c) => waitUntil(c, () => rosterOf(c).size === CLIENTS, "whole roster")));
		for (const client of clients) expect([...rosterOf(client)].sort(), client.userId).toEqual(everyone);

		// Senders on distinct objects, all at once.
		const senders = shards.slice(0, SENDERS).map((shard) => clients.find((c) => c.shard === shard) as ShardClient);
		const acks = await Promise.all(
			senders.map((sender) =>
				Promise.all(
					Array.from({ length: MESSAGES_EACH }, (_, n) =>
						sender.request("SendMessage", { message: { from: sender.userId, n } }, WAIT_MS),
					),
				),
			),
		);
		const seqOf = new Map<number, string>();
		acks.forEach((replies, s) => {
			for (const reply of replies) {
				expect(reply.event, JSON.stringify(reply)).toBe("MessageAck");
				if (reply.event === "MessageAck") seqOf.set(reply.data.seq, (senders[s] as ShardClient).userId);
			}
		});
		const allSeqs = [...seqOf.keys()].sort((a, b) => a - b);
		expect(allSeqs).toHaveLength(SENDERS * MESSAGES_EACH);
		const expectedAt = (client: ShardClient) => allSeqs.filter((seq) => seqOf.get(seq) !== client.userId);
		await Promise.all(
			clients.map((c) => waitUntil(c, () => messagesOf(c).length >= expectedAt(c).length, "every message")),
		);
		for (const client of clients) {
			const seqs = messagesOf(client).map((message) => message.seq);
			expect(seqs, `${client.userId} on object ${client.shard}`).toEqual(expectedAt(client));
		}
		const history = await getJson<MessagesPage>(origin, `/rooms/${room}/messages?since=0&limit=500`);
		expect(history.messages.map((message) => message.seq)).toEqual(allSeqs);

		// A direct message and a signal to a user on another object reach only that user: the
		// sender's broadcast after them is the barrier (one connection's frames arrive in order).
		const [from, , , to] = senders as [ShardClient, ShardClient, ShardClient, ShardClient];
		const direct = await from.request("SendMessage", { message: "for you", to: to.userId }, WAIT_MS);
		expect(direct.event, JSON.stringify(direct)).toBe("MessageAck");
		from.send({ eventType: "ClientEvent", event: "Signal", requestData: { signal: "psst", to: to.userId } });
		const barrier = await from.request("SendMessage", { message: "barrier" }, WAIT_MS);
		expect(barrier.event).toBe("MessageAck");
		const barrierSeq = barrier.event === "MessageAck" ? barrier.data.seq : -1;
		const others = clients.filter((c) => c !== from);
		await Promise.all(
			others.map((c) => waitUntil(c, () => messagesOf(c).some((m) => m.seq === barrierSeq), "the barrier")),
		);
		for (const client of others) {
			const gotDirect = messagesOf(client).some((message) => message.to !== undefined);
			const gotSignal = client.received("Signal").length > 0;
			expect({ gotDirect, gotSignal }, client.userId).toEqual({ gotDirect: client === to, gotSignal: client === to });
		}
		expect(to.received("Signal")[0]?.data).toMatchObject({ signal: "psst", from: { userId: from.userId } });
		expect(clients.flatMap((client) => client.received("Error"))).toEqual([]);
	}, 60_000);
});
