/**
 * What each piece of one Register costs inside workerd, in a room of 5,000, next to the ~1 ms of
 * workerd CPU that bare spends per connect. Run:
 * `npx vitest run --config bench/probes/vitest.probe.config.ts join-path` (prints `PROBE` lines).
 */
import { runInDurableObject } from "cloudflare:test";
import { it } from "vitest";
import { parseClientFrame } from "../../../src/protocol";
import { PresenceStore } from "../../../src/room/presence/store";
import { type Identity, Roster } from "../../../src/room/roster";
import { RoomStore } from "../../../src/room/store";
import { randomRoom } from "../../../test/support/client";
import { join, roomStub } from "../../../test/workerd/connect";
import { time, timeTurns } from "./timing";

const N = 5000;

function identity(i: number): Identity {
	return { userId: `u${i}`, name: `u${i}`, meta: {}, registeredAt: 1_000_000 + i, updatedAt: 1_000_000 + i };
}

it("join-path costs", async () => {
	const room = randomRoom();
	await join(room, "alice");
	await runInDurableObject(roomStub(room), async (_, state) => {
		const store = new RoomStore(state.storage, { historyLimit: 1000 });
		time("history of an empty room (Register without since)", 2000, () =>
			store.history({ since: 0, limit: 50, viewer: "u1", keep: "newest" }),
		);
		const presence = new PresenceStore(state.storage.sql, () => true);
		time("presence row: INSERT OR REPLACE, 5,000 rows", N, (i) => presence.live(crypto.randomUUID(), identity(i)));
		// Each turn's writes are committed once the turn is over: what a Register's row costs in all.
		await timeTurns(state.storage, "a turn that writes nothing", 2000, () => {});
		await timeTurns(state.storage, "a turn that writes one presence row (committed after it)", 2000, (i) =>
			presence.live(crypto.randomUUID(), identity(i)),
		);
		await timeTurns(state.storage, "a turn that writes nothing", 2000, () => {});
		time("a bare SELECT 1", 2000, () => state.storage.sql.exec("SELECT 1").toArray());
		const register = JSON.stringify({
			eventType: "ClientEvent",
			event: "Register",
			requestId: "r",
			requestData: { userId: "u123", presence: "count" },
		});
		time("parseClientFrame (Register)", 20_000, () => parseClientFrame(register));
		const roster = new Roster<number>();
		for (let i = 0; i < N; i++) roster.add(i, identity(i));
		roster.users();
		time("Roster.preview + apply, 5,000 users (count: no list)", 1000, (i) =>
			roster.apply(roster.preview(N + i, identity(N + i))),
		);
		// The reply is flattened once as it is sent: charCodeAt flattens it the same way.
		time("Roster.preview + usersJson + apply, 6,000 users (batched), reply flattened", 1000, (i) => {
			const change = roster.preview(2 * N + i, identity(2 * N + i));
			const reply = `{"users":${roster.usersJson(change)}}`;
			reply.charCodeAt(reply.length - 2);
			roster.apply(change);
		});
		const ws = state.getWebSockets()[0] as WebSocket;
		const record = ws.deserializeAttachment() as Record<string, unknown>;
		time("serializeAttachment (registered record)", 20_000, (i) => {
			record.lastSeenAt = i;
			ws.serializeAttachment(record);
		});
	});
});
