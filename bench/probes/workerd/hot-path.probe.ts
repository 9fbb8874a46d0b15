/**
 * What one piece of the Room's per-message work costs inside workerd (the same runtime as
 * `wrangler dev`), next to the ~40-65 µs of workerd CPU that each delivered frame costs.
 * Run: `npx vitest run --config bench/probes/vitest.probe.config.ts` (prints `PROBE` lines).
 * Local workerd advances its clock during execution, so performance.now() measures here.
 */
import { runInDurableObject } from "cloudflare:test";
import { it } from "vitest";
import { encodeServerFrame, parseClientFrame } from "../../../src/protocol";
import { Roster } from "../../../src/room/roster";
import { RoomStore } from "../../../src/room/store";
import { randomRoom } from "../../../test/support/client";
import { join, roomStub } from "../../../test/workerd/connect";
import { time, timeTurns } from "./timing";

it("hot-path costs", async () => {
	const room = randomRoom();
	await join(room, "alice", { meta: { color: "blue" } });
	await runInDurableObject(roomStub(room), async (_, state) => {
		const ws = state.getWebSockets()[0] as WebSocket;
		const record = ws.deserializeAttachment() as Record<string, unknown>;
		record.rate = { tokens: 39, at: Date.now(), dropped: 0, droppedAt: 0 };
		time("serializeAttachment (the per-frame write: rate bucket + lastSeenAt)", 100_000, (i) => {
			record.lastSeenAt = i;
			ws.serializeAttachment(record);
		});
		time("deserializeAttachment (per socket per broadcast, if uncached)", 100_000, () => ws.deserializeAttachment());
		time("getWebSocketAutoResponseTimestamp (per socket per sweep)", 100_000, () =>
			state.getWebSocketAutoResponseTimestamp(ws),
		);
		const payload = { k: 1, t: 123.456, p: "x".repeat(64) };
		const frame = JSON.stringify({
			eventType: "ClientEvent",
			event: "SendMessage",
			requestId: "r1",
			requestData: { message: payload },
		});
		time("parseClientFrame (SendMessage, bench payload)", 20_000, () => parseClientFrame(frame));
		const store = new RoomStore(state.storage, { historyLimit: 1000 });
		state.storage.sql.exec("CREATE TABLE probe_rows (n INTEGER PRIMARY KEY, body TEXT)");
		const from = { userId: "alice", name: "alice" };
		time("RoomStore.append (one SQLite transaction, history pruned at 1,000)", 5000, () =>
			store.append({ id: crypto.randomUUID(), from, message: payload, sentAt: Date.now() }),
		);
		await timeTurns(state.storage, "a turn that writes nothing", 2000, () => {});
		await timeTurns(state.storage, "a turn that appends one message (committed after it)", 2000, (i) =>
			store.append({ id: crypto.randomUUID(), from, message: payload, sentAt: Date.now() }, `c${i}`),
		);
		await timeTurns(state.storage, "a turn that inserts one row of the same size (committed after it)", 2000, (i) =>
			state.storage.sql.exec("INSERT INTO probe_rows VALUES (?, ?)", i, JSON.stringify(payload)),
		);
		const message = store.append({ id: crypto.randomUUID(), from, message: payload, sentAt: Date.now() });
		time("encodeServerFrame (Message, bench payload)", 100_000, () => encodeServerFrame("Message", message));
		const roster = new Roster<number>();
		for (let i = 0; i < 1000; i++) {
			roster.add(i, { userId: `u${i}`, name: `u${i}`, meta: {}, registeredAt: i, updatedAt: i });
		}
		time("Roster.users(), 1,000 users, roster unchanged since last call", 1000, () => roster.users());
		time("Roster.users(), 1,000 users, after a change (rebuilt and sorted)", 1000, (i) => {
			roster.add(1000 + i, { userId: `u${i}`, name: `u${i}`, meta: {}, registeredAt: i, updatedAt: i });
			roster.users();
		});
		const users = roster.users();
		time("encode a Registered roster of 1,000 users", 1000, () => JSON.stringify(users));
	});
});
