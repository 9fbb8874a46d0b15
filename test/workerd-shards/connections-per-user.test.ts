/**
 * (1.3) `MAX_CONNECTIONS_PER_USER` counts a user's connections on every object of the room: at the
 * upgrade for a verified user the root counts its own sockets, the places it holds for upgrades
 * sent on to a shard, and the connections its shards took (this project's limit, 20, is above its
 * room of 5: the tests read what the root counts). The verified identity is the header the Worker
 * sets once it checked a token; this project runs in development mode, so the tests call the
 * objects directly.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { PLACEMENT_HEADER, TICKET_HEADER, VERIFIED_IDENTITY_HEADER } from "../../src/room/handoff";
import { randomRoom } from "../support/client";
import { roomUrl } from "../workerd/connect";
import { objectStub } from "./rooms";

const identity = (userId: string) => encodeURIComponent(JSON.stringify({ userId }));

/** An upgrade of verified `userId` sent to the room's object `shard` (with a ticket for a shard). */
function upgradeAt(room: string, shard: number, userId: string, ticket?: string) {
	const headers: Record<string, string> = { Upgrade: "websocket", [VERIFIED_IDENTITY_HEADER]: identity(userId) };
	if (ticket !== undefined) headers[TICKET_HEADER] = ticket;
	return objectStub(room, shard).fetch(roomUrl(room), { headers });
}

/**
 * The connections the root has stored for `userId` on its shards; none once the room deleted its
 * storage (nothing left anywhere: the root's own unaccepted test sockets may close first).
 */
function countedElsewhere(room: string, userId: string): Promise<number> {
	return runInDurableObject(objectStub(room, 0), (_, state) => {
		const sql = state.storage.sql;
		const table = sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'shard_users'").toArray();
		if (table.length === 0) return 0;
		return sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM shard_users WHERE user_id = ?", userId).one().n;
	});
}

describe("connections per user across a room's objects", () => {
	it("stores a verified user's connections on the shards at the root, until they close", async () => {
		const room = randomRoom();
		for (let i = 0; i < 2; i++) expect((await upgradeAt(room, 0, "ann")).status).toBe(101);
		const placed = await upgradeAt(room, 0, "ann");
		expect(placed.status).toBe(204);
		const { shard, ticket } = JSON.parse(placed.headers.get(PLACEMENT_HEADER) ?? "{}") as {
			shard: number;
			ticket: string;
		};
		expect(shard).toBe(1);
		expect(await countedElsewhere(room, "ann")).toBe(0);
		const taken = await upgradeAt(room, shard, "ann", ticket);
		expect(taken.status).toBe(101);
		expect(await countedElsewhere(room, "ann")).toBe(1);
		expect(await countedElsewhere(room, "bob")).toBe(0);
		// Its close, reported by the shard, lowers the count.
		const socket = taken.webSocket as WebSocket;
		socket.accept();
		socket.close(1000, "bye");
		await expect.poll(() => countedElsewhere(room, "ann"), { timeout: 5000 }).toBe(0);
	});
});
