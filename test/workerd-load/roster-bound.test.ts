/**
 * MAX_CONNECTIONS (5 here) bounds the roster, not only the sockets: closed connections in their
 * leave grace hold their places, so one client cannot pile up users past the limit.
 */
import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { passTime } from "../workerd/clock";
import { connect, join, usersOf } from "../workerd/connect";

/** Registers `userId` and closes the connection: its user stays present for the grace. */
async function joinAndClose(room: string, userId: string): Promise<void> {
	const client = await join(room, userId, { presence: "count" });
	client.close();
	await client.waitForClose();
	passTime(200); // a fresh share of the delivery budget for the next join
}

describe("a room whose places are held by connections in leave grace", () => {
	it("refuses a new user's Register with ROOM_FULL, takes a returning one, and its roster stays at the limit", async () => {
		const room = randomRoom();
		const watcher = await join(room, "watcher", { presence: "events" });
		for (const userId of ["u1", "u2", "u3", "u4"]) await joinAndClose(room, userId);
		await expect.poll(async () => (await usersOf(room)).length).toBe(5);

		// The socket is let in (one live connection of five), its Register is not: it would be a sixth place.
		const newcomer = await connect(room);
		const refused = await newcomer.register("u5");
		expect(refused.event).toBe("Error");
		expect(refused.data).toMatchObject({ code: "ROOM_FULL" });
		expect((await usersOf(room)).map((user) => user.userId)).toEqual(["watcher", "u1", "u2", "u3", "u4"]);

		// A user in grace coming back takes their own place.
		const back = await join(room, "u2", { presence: "count" });
		expect(back.received("Registered")[0]?.data.userCount).toBe(5);
		await watcher.settle();
		expect(watcher.received("UserJoined").map((frame) => frame.data.user.userId)).toEqual(["u1", "u2", "u3", "u4"]);
		expect(newcomer.closeEvent).toBeUndefined();
	});

	it("takes the new user once a grace has ended", async () => {
		const room = randomRoom();
		for (const userId of ["u1", "u2", "u3", "u4", "u5"]) await joinAndClose(room, userId);
		const newcomer = await connect(room);
		expect((await newcomer.register("u6")).data).toMatchObject({ code: "ROOM_FULL" });
		passTime(10_000);
		const registered = await newcomer.register("u6");
		expect(registered.event).toBe("Registered");
		expect((await usersOf(room)).map((user) => user.userId)).toEqual(["u6"]);
	});
});
