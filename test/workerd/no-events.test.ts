/**
 * (1.4) Without a webhook or a queue (this project configures neither), a room writes no room
 * events: its outbox stays empty and it still deletes its storage once it keeps nothing.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { join, roomStub } from "./connect";

const count = (room: string, table: string) =>
	runInDurableObject(roomStub(room), (_, state: DurableObjectState) => {
		const exists = state.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE name = ?", table).toArray().length > 0;
		return exists ? state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n : -1;
	});

describe("room events with no sink configured", () => {
	it("are not written, and an emptied room keeps nothing", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		expect((await alice.request("SendMessage", { message: "hi" })).event).toBe("MessageAck");
		expect(await count(room, "room_events")).toBe(0);
		expect(await count(room, "room_event_sinks")).toBe(0);

		const other = randomRoom();
		const bob = await join(other, "bob");
		await bob.request("Unregister", {});
		bob.close();
		await bob.waitForClose();
		await expect.poll(() => count(other, "room_events")).toBe(-1);
	});
});
