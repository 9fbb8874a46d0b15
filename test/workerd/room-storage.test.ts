import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { connect, join, usersOf } from "./connect";
import { messagesPage, seqs } from "./history-helpers";
import { storageOf } from "./storage-view";

describe("a room nobody is in any more", () => {
	it("deletes its storage and alarm once its last user left and it never stored a message", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const bob = await join(room, "bob");
		expect((await storageOf(room)).tables).toContain("presence");
		alice.close();
		await alice.waitForClose();
		// One user left: the room keeps everything.
		await expect.poll(async () => (await usersOf(room)).map((user) => user.userId)).toEqual(["bob"]);
		expect((await storageOf(room)).tables).toContain("presence");
		bob.close();
		await bob.waitForClose();
		await expect.poll(() => storageOf(room)).toEqual({ tables: [], alarm: null });
	});

	it("comes back to life on the next connection, as a room that was never used", async () => {
		const room = randomRoom();
		const first = await join(room, "alice");
		first.close();
		await first.waitForClose();
		await expect.poll(async () => (await storageOf(room)).tables).toEqual([]);

		const again = await join(room, "carol");
		expect(again.received("Registered")[0]?.data).toMatchObject({ userCount: 1, users: [{ userId: "carol" }] });
		expect(await again.request("SendMessage", { message: "hello again" })).toMatchObject({ data: { seq: 1 } });
		expect(seqs((await messagesPage(room)).messages)).toEqual([1]);
		expect((await storageOf(room)).alarm).not.toBeNull();
	});

	it("keeps a room with history, and one with an open connection that never registered", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		await alice.request("SendMessage", { message: "kept" });
		alice.close();
		await alice.waitForClose();
		await expect.poll(async () => (await usersOf(room)).length).toBe(0);
		expect((await storageOf(room)).tables).toContain("messages");
		expect((await messagesPage(room)).messages.map((message) => message.message)).toEqual(["kept"]);

		const quiet = randomRoom();
		const lurker = await connect(quiet);
		const member = await join(quiet, "member");
		member.close();
		await member.waitForClose();
		await expect.poll(async () => (await usersOf(quiet)).length).toBe(0);
		expect((await storageOf(quiet)).tables).toContain("presence");
		expect(lurker.closeEvent).toBeUndefined();
	});
});
