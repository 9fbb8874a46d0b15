import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { ConnectionRecord } from "../../src/room/connection";
import { randomRoom } from "../support/client";
import { connect, join, roomStub } from "./connect";

/** Moves the stored last-activity time of the given connections back, as if they had been silent. */
async function age(room: string, connectionIds: string[], byMs: number) {
	await runInDurableObject(roomStub(room), (_, state) => {
		for (const ws of state.getWebSockets()) {
			const record = ws.deserializeAttachment() as ConnectionRecord;
			if (!connectionIds.includes(record.connectionId)) continue;
			ws.serializeAttachment({ ...record, lastSeenAt: record.lastSeenAt - byMs });
		}
	});
	// Drop the in-memory copy so the room reads the attachments again, as after a hibernation.
	await evictDurableObject(roomStub(room));
}

const alarmAt = (room: string) => runInDurableObject(roomStub(room), (_, state) => state.storage.getAlarm());

describe("idle timeout", () => {
	it("closes a connection silent for 60 s with 4000 and tells the others UserLeft with reason timeout", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const ghost = await join(room, "ghost");
		const lurker = await connect(room);
		await alice.next("UserJoined");
		await age(room, [ghost.established.data.connectionId, lurker.established.data.connectionId], 61_000);

		expect(await runDurableObjectAlarm(roomStub(room))).toBe(true);

		expect((await ghost.waitForClose()).code).toBe(4000);
		expect((await lurker.waitForClose()).code).toBe(4000);
		const left = await alice.next("UserLeft");
		expect(left.data).toEqual({
			user: expect.objectContaining({ userId: "ghost", connections: 0 }),
			reason: "timeout",
		});
		// The active connection stays, and the room keeps checking while it is there.
		expect((await alice.request("SendMessage", { message: "still here" })).event).toBe("MessageAck");
		expect(await roomStub(room).listUsers()).toEqual([expect.objectContaining({ userId: "alice" })]);
		expect(await alarmAt(room)).not.toBeNull();
		await alice.settle();
		expect(alice.received("UserLeft")).toHaveLength(1);
	});

	it("counts a ping answered by the runtime as activity", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const pinger = await join(room, "pinger");
		await alice.next("UserJoined");
		pinger.send("ping");
		await vi.waitFor(() => expect(pinger.texts).toContain("pong"), { timeout: 5000 });
		// Its last frame is long ago, but the runtime answered its ping just now.
		await age(room, [pinger.established.data.connectionId], 120_000);
		await runDurableObjectAlarm(roomStub(room));
		await alice.settle();
		expect(alice.received("UserLeft")).toHaveLength(0);
		expect((await pinger.request("SendMessage", { message: "alive" })).event).toBe("MessageAck");
	});

	it("leaves only the last tab's timeout as a UserLeft", async () => {
		const room = randomRoom();
		const watcher = await join(room, "watcher");
		const tab1 = await join(room, "dana");
		const tab2 = await join(room, "dana");
		await watcher.next("UserJoined");
		await age(room, [tab1.established.data.connectionId], 61_000);
		await runDurableObjectAlarm(roomStub(room));
		expect((await tab1.waitForClose()).code).toBe(4000);
		const update = await watcher.next("UserUpdated", (frame) => frame.data.user.connections === 1);
		expect(update.data.user.userId).toBe("dana");
		await watcher.settle();
		expect(watcher.received("UserLeft")).toHaveLength(0);
		expect((await tab2.request("SendMessage", { message: "tab 2 lives" })).event).toBe("MessageAck");
	});
});

describe("the reaper's alarm", () => {
	it("is set while the room has connections, no sooner than 30 s ahead, and cleared when the last one closes", async () => {
		const room = randomRoom();
		const before = Date.now();
		const a = await connect(room);
		const b = await join(room, "b");
		const at = await alarmAt(room);
		expect(at).not.toBeNull();
		expect(at as number).toBeGreaterThanOrEqual(before + 30_000);
		expect(at as number).toBeLessThanOrEqual(Date.now() + 60_000);
		a.close();
		b.close();
		await vi.waitFor(async () => expect(await alarmAt(room)).toBeNull(), { timeout: 5000 });
	});

	it("does not come back in a room whose sockets all timed out", async () => {
		const room = randomRoom();
		const only = await join(room, "only");
		await age(room, [only.established.data.connectionId], 61_000);
		expect(await runDurableObjectAlarm(roomStub(room))).toBe(true);
		expect((await only.waitForClose()).code).toBe(4000);
		expect(await alarmAt(room)).toBeNull();
		expect(await roomStub(room).listUsers()).toEqual([]);
	});
});
