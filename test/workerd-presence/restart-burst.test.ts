/**
 * After a restart, a whole room's graces end at once: 1,000 users with 1 KiB of meta each who do
 * not come back is over 1 MiB of UserLeft for every `events` reader. A reader at a normal pace is
 * never closed for the room's own burst; one that does not read still is. The workerd under the
 * vitest plugin has no `bufferedAmount`: each observer's socket gets one that counts what the room
 * sends it, read by the room's next turn for a reader, never for one that does not read.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CloseCodes } from "../../src/protocol";
import { randomRoom } from "../support/client";
import { expectTooSlowLogs } from "../support/expected-logs";
import { serverSocketOf } from "../workerd/backlog";
import { passTime } from "../workerd/clock";
import { type ConnectedClient, join, roomStub, usersOf } from "../workerd/connect";

const GONE = 1000;
const META = { note: "x".repeat(1000) };

/** Writes the durable roster a restart leaves behind: `GONE` users present, none of them with a socket. */
async function usersLeftByRestart(room: string): Promise<void> {
	const joinedAt = Date.now() - 60_000;
	await runInDurableObject(roomStub(room), (_, state) => {
		for (let n = 0; n < GONE; n++) {
			state.storage.sql.exec(
				"INSERT INTO presence (connection_id, user_id, name, meta, registered_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
				`gone-${n}`,
				`gone-${n}`,
				`gone-${n}`,
				JSON.stringify(META),
				joinedAt,
				joinedAt,
			);
		}
	});
	await evictDurableObject(roomStub(room));
}

/**
 * Gives the room's side of `client`'s socket a backlog: what the room sent it, grown by every send.
 * A reader has read it all by the room's next turn; one that does not read never has.
 */
async function modelBacklog(room: string, client: ConnectedClient, reads: boolean): Promise<void> {
	const { connectionId } = client.established.data;
	await runInDurableObject(roomStub(room), (_, state) => {
		const socket = serverSocketOf(state, connectionId);
		let waiting = 0;
		let inTurn = false;
		const send = socket.send.bind(socket);
		socket.send = (data: string | ArrayBuffer | ArrayBufferView) => {
			if (!inTurn) {
				inTurn = true;
				queueMicrotask(() => (inTurn = false));
			}
			waiting += typeof data === "string" ? new TextEncoder().encode(data).length : data.byteLength;
			send(data);
		};
		const read = () => {
			if (reads && !inTurn) waiting = 0;
			return waiting;
		};
		Object.defineProperty(socket, "bufferedAmount", { configurable: true, get: read });
	});
}

describe("the leaves of a whole room after a restart", () => {
	it("reach every reader, none closed, and still close a connection that reads nothing", {
		timeout: 60_000,
	}, async () => {
		const room = randomRoom();
		const readers: ConnectedClient[] = [];
		for (let n = 0; n < 20; n++) readers.push(await join(room, `reader-${n}`));
		const stuck = await join(room, "stuck");
		await usersLeftByRestart(room);
		for (const reader of readers) await modelBacklog(room, reader, true);
		await modelBacklog(room, stuck, false);
		// Closed by the burst's fan-out or by the send below, whichever finds it behind first.
		const closing = expectTooSlowLogs(room, "stuck");
		expect((await usersOf(room)).length).toBe(GONE + 21);

		passTime(10_001);
		for (let bursts = 0; (await usersOf(room)).length > 21; bursts++) {
			expect(bursts).toBeLessThan(GONE);
			await runDurableObjectAlarm(roomStub(room));
			passTime(250);
		}
		for (const reader of readers) {
			await reader.next("UserLeft", (frame) => frame.data.user.userId === `gone-${GONE - 1}`, 10_000);
			expect(reader.received("UserLeft").length).toBe(GONE);
			expect(reader.closeEvent).toBeUndefined();
		}

		// The next send finds more than the bound waiting for the connection that read nothing.
		const speaker = readers[0] as ConnectedClient;
		await speaker.request("SendMessage", { message: "after the burst" });
		expect(await stuck.waitForClose()).toEqual({ code: CloseCodes.tooSlow, reason: "too slow" });
		expect(closing).toHaveLength(1);
		for (const reader of readers.slice(1)) expect((await reader.next("Message")).data.message).toBe("after the burst");
		for (const reader of readers) expect(reader.closeEvent).toBeUndefined();
	});
});
