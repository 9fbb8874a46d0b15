/**
 * (1.3) `MAX_CONNECTIONS_PER_USER` (3 here) counts a user's connections on every object of the
 * room: at the upgrade for a verified user (the root counts its own sockets, the places it holds
 * for upgrades sent on to a shard, and the connections its shards took), at `Register` in
 * development mode (the one roster). The verified identity is the header the Worker sets once it
 * checked a token; this project runs in development mode, so the tests call the objects directly.
 */
import { describe, expect, it } from "vitest";
import { PLACEMENT_HEADER, TICKET_HEADER, VERIFIED_IDENTITY_HEADER } from "../../src/room/handoff";
import { randomRoom } from "../support/client";
import { connect, roomUrl } from "../workerd/connect";
import { members, objectStub } from "./rooms";

const identity = (userId: string) => encodeURIComponent(JSON.stringify({ userId }));

/** An upgrade of verified `userId` sent to the room's object `shard` (with a ticket for a shard). */
function upgradeAt(room: string, shard: number, userId: string, ticket?: string) {
	const headers: Record<string, string> = { Upgrade: "websocket", [VERIFIED_IDENTITY_HEADER]: identity(userId) };
	if (ticket !== undefined) headers[TICKET_HEADER] = ticket;
	return objectStub(room, shard).fetch(roomUrl(room), { headers });
}

async function errorCodeOf(response: Response): Promise<string> {
	return ((await response.json()) as { error: { code: string } }).error.code;
}

describe("connections per user across a room's objects", () => {
	it("refuses a verified user's upgrade past the limit counted on the root and a shard (429)", async () => {
		const room = randomRoom();
		for (let i = 0; i < 2; i++) expect((await upgradeAt(room, 0, "ann")).status).toBe(101);
		const placed = await upgradeAt(room, 0, "ann");
		expect(placed.status).toBe(204);
		const { shard, ticket } = JSON.parse(placed.headers.get(PLACEMENT_HEADER) ?? "{}") as {
			shard: number;
			ticket: string;
		};
		expect(shard).toBe(1);
		// The place held for the upgrade on its way to shard 1 counts already.
		const early = await upgradeAt(room, 0, "ann");
		expect([early.status, await errorCodeOf(early)]).toEqual([429, "TOO_MANY_CONNECTIONS"]);
		expect((await upgradeAt(room, shard, "ann", ticket)).status).toBe(101);
		const refused = await upgradeAt(room, 0, "ann");
		expect([refused.status, await errorCodeOf(refused)]).toEqual([429, "TOO_MANY_CONNECTIONS"]);
		// Another user is not held to ann's count.
		expect((await upgradeAt(room, 0, "bob")).status).toBe(204);
	});

	it("refuses a Register past the limit counted on every object in development mode", async () => {
		const room = randomRoom();
		const joined = await members(room, ["ann", "ann", "ann"]);
		expect(joined.map((member) => member.shard)).toEqual([0, 0, 1]);
		const fourth = await connect(room);
		expect(fourth.established.data.shard).toBe(1);
		const reply = await fourth.register("ann");
		expect(reply.event).toBe("Error");
		expect((reply.data as { code: string }).code).toBe("TOO_MANY_CONNECTIONS");
		// Still open and unregistered: another user registers on it.
		expect((await fourth.register("bob")).event).toBe("Registered");
	});
});
