/**
 * (1.3) Where a room's connections land with objects of 2 (TEST_SHARD_CONNECTIONS) and at most 5
 * connections: the root first, then the lowest shard with room, the whole room refused past
 * MAX_CONNECTIONS; the root's placement survives its eviction and a shard's.
 */

import { evictDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { PLACEMENT_HEADER, TICKET_HEADER } from "../../src/room/handoff";
import { shardObjectName } from "../../src/room/shards/names";
import { readSettings } from "../../src/settings";
import { randomRoom } from "../support/client";
import { WORKERD_SHARDS_VARS, workerVariablesOf } from "../support/pinned-vars";
import { type ConnectedClient, connect, roomUrl, upgrade } from "../workerd/connect";

function objectStub(room: string, shard: number) {
	return env.ROOMS.get(env.ROOMS.idFromName(shardObjectName(room, shard)));
}

async function occupancyOf(room: string): Promise<{ shards: number }> {
	const response = await exports.default.fetch(roomUrl(room, "occupancy"));
	expect(response.status).toBe(200);
	return (await response.json()) as { shards: number };
}

/** Connects `count` clients one after the other, so that each lands where the one before left room. */
async function connectMany(room: string, count: number): Promise<ConnectedClient[]> {
	const clients: ConnectedClient[] = [];
	for (let i = 0; i < count; i++) clients.push(await connect(room));
	return clients;
}

const shardsOf = (clients: ConnectedClient[]) => clients.map((client) => client.established.data.shard);

async function expectRoomFull(room: string): Promise<void> {
	const refused = await upgrade(room);
	expect(refused.status).toBe(503);
	expect(await refused.json()).toMatchObject({ error: { code: "ROOM_FULL" } });
	expect(refused.headers.get(PLACEMENT_HEADER)).toBeNull();
}

/** A place freed on a shard reaches the root after the shard's close handling: asked until it has. */
function connectOnceFreed(room: string): Promise<ConnectedClient> {
	return vi.waitFor(() => connect(room), { timeout: 5000, interval: 20 });
}

describe("the workerd-shards project's environment", () => {
	it("pins the Worker's variables and spreads rooms over objects of 2 connections", () => {
		expect(workerVariablesOf(env)).toEqual(WORKERD_SHARDS_VARS);
		expect(readSettings(env)).toMatchObject({ shardConnections: 2, maxConnections: 5 });
	});
});

describe("placement over a room's objects", () => {
	it("fills the root, then shard 1, then shard 2, and refuses the sixth with 503 ROOM_FULL", async () => {
		const room = randomRoom();
		const clients = await connectMany(room, 5);
		expect(shardsOf(clients)).toEqual([0, 0, 1, 1, 2]);
		for (const client of clients) expect(client.established.data.room).toBe(room);
		expect(new Set(clients.map((client) => client.established.data.connectionId)).size).toBe(5);
		await expectRoomFull(room);
		expect((await occupancyOf(room)).shards).toBe(3);
	});

	it("admits exactly the limit when upgrades arrive at once, over every object", async () => {
		const room = randomRoom();
		const responses = await Promise.all([1, 2, 3, 4, 5, 6, 7].map(() => upgrade(room)));
		expect(responses.map((response) => response.status).sort()).toEqual([101, 101, 101, 101, 101, 503, 503]);
		for (const response of responses) {
			expect(response.headers.get(PLACEMENT_HEADER)).toBeNull();
			response.webSocket?.accept();
			response.webSocket?.close(1000, "done");
		}
	});

	it("places the next connection on the lowest shard a close freed", async () => {
		const room = randomRoom();
		const clients = await connectMany(room, 5);
		clients[2]?.close();
		const again = await connectOnceFreed(room);
		expect(again.established.data.shard).toBe(1);
		await expectRoomFull(room);
	});

	it("keeps its placement when the root is evicted, and a shard its epoch when it is", async () => {
		const room = randomRoom();
		const clients = await connectMany(room, 5);
		await evictDurableObject(objectStub(room, 0));
		await evictDurableObject(objectStub(room, 2));
		await expectRoomFull(room);
		expect((await occupancyOf(room)).shards).toBe(3);
		// Shard 2's close still counts after its eviction: its epoch came back with its socket.
		clients[4]?.close();
		const replacement = await connectOnceFreed(room);
		expect(replacement.established.data.shard).toBe(2);
		await expectRoomFull(room);
	});

	it("never takes a ticket or a placement from a client", async () => {
		const room = randomRoom();
		await connectMany(room, 2);
		const forged = await upgrade(room, { headers: { [TICKET_HEADER]: "forged", [PLACEMENT_HEADER]: "{}" } });
		expect(forged.status).toBe(101);
		forged.webSocket?.accept();
		forged.webSocket?.close(1000, "done");
		// A shard reached without its root's ticket refuses.
		const direct = await objectStub(room, 1).fetch(roomUrl(room), { headers: { Upgrade: "websocket" } });
		expect(direct.status).toBe(400);
	});
});
