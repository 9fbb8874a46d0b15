/**
 * (1.4) A backend removes a user, through the room's RPC (`getRoom(...).remove` calls it): every
 * connection of theirs closed with 4003, the others told once with reason "removed", the user's
 * other rooms untouched; a ban refuses the user's Register until it ends by itself on the clock,
 * and outlives the object's eviction, even in a room that keeps nothing else. The HTTP route's key
 * and query are tested where PUBLISH_KEY is set (workerd-limits); here no key is set: 403.
 */
import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { clock } from "../../src/clock";
import { randomRoom } from "../support/client";
import { passTime } from "./clock";
import { connect, join, roomStub, roomUrl, usersOf } from "./connect";
import { storageOf } from "./storage-view";

const remove = (room: string, userId: string, banSeconds?: number) =>
	roomStub(room).remove(userId, banSeconds === undefined ? {} : { banSeconds });

describe("removing a user (RPC)", () => {
	it("closes both of the user's connections with 4003 and tells the others once, reason removed", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const bobTab1 = await join(room, "bob");
		const bobTab2 = await join(room, "bob");
		const otherRoom = randomRoom();
		const bobElsewhere = await join(otherRoom, "bob");
		await alice.next("UserJoined");
		await alice.next("UserUpdated");

		expect(await remove(room, "bob")).toEqual({ ok: true, removed: 2 });
		for (const tab of [bobTab1, bobTab2]) expect(await tab.waitForClose()).toEqual({ code: 4003, reason: "removed" });
		const left = await alice.next("UserLeft");
		expect(left.data).toMatchObject({ user: { userId: "bob", connections: 0 }, reason: "removed" });
		await alice.settle();
		// One leave: no lower count first, nothing else about bob.
		expect(alice.pending("UserUpdated")).toHaveLength(0);
		expect(alice.received("UserLeft")).toHaveLength(1);
		// The removed tabs heard nothing of their own removal.
		expect(bobTab1.received("UserLeft")).toHaveLength(0);
		expect(bobTab2.received("UserLeft")).toHaveLength(0);
		expect((await usersOf(room)).map((user) => user.userId)).toEqual(["alice"]);
		// Bob's other room knows nothing of it.
		await bobElsewhere.settle();
		expect(bobElsewhere.closeEvent).toBeUndefined();
		expect((await usersOf(otherRoom)).map((user) => user.userId)).toEqual(["bob"]);
		// Without a ban he may come back at once.
		expect((await (await connect(room)).register("bob")).event).toBe("Registered");
	});

	it("answers USER_NOT_FOUND for a user not here, and 0 removed with a ban, which then holds", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		expect(await remove(room, "nobody")).toMatchObject({ ok: false, code: "USER_NOT_FOUND" });
		expect(await remove(room, "nobody", 60)).toEqual({ ok: true, removed: 0 });
		const comer = await connect(room);
		expect(await comer.register("nobody")).toMatchObject({ event: "Error", data: { code: "FORBIDDEN" } });
		await alice.settle();
		expect(alice.received("UserJoined")).toHaveLength(0);
	});

	it("refuses a banned user's Register with FORBIDDEN until the ban ends on the clock", async () => {
		const room = randomRoom();
		await join(room, "alice");
		await join(room, "mallory");
		expect(await remove(room, "mallory", 120)).toEqual({ ok: true, removed: 1 });
		const again = await connect(room);
		const refused = await again.register("mallory");
		expect(refused).toMatchObject({ event: "Error", data: { code: "FORBIDDEN" } });
		// The connection stays open and unregistered: an Error never closes it.
		expect(again.closeEvent).toBeUndefined();
		passTime(119_000);
		expect(await again.register("mallory")).toMatchObject({ event: "Error", data: { code: "FORBIDDEN" } });
		passTime(1_000);
		expect((await again.register("mallory")).event).toBe("Registered");
	});

	it("keeps a ban across the object's eviction, in a room that keeps nothing else", async () => {
		const room = randomRoom();
		expect(await remove(room, "mallory", 60)).toEqual({ ok: true, removed: 0 });
		await evictDurableObject(roomStub(room));
		const comer = await connect(room);
		expect(await comer.register("mallory")).toMatchObject({ event: "Error", data: { code: "FORBIDDEN" } });
		comer.close();
		await comer.waitForClose().catch(() => undefined);
		await evictDurableObject(roomStub(room));
		const later = await connect(room);
		expect(await later.register("mallory")).toMatchObject({ event: "Error", data: { code: "FORBIDDEN" } });
		// The refused connection stays open and may still register as someone else.
		expect((await later.register("alice")).event).toBe("Registered");
	});

	it("refuses a bad userId or banSeconds with BAD_REQUEST, banning nobody", async () => {
		const room = randomRoom();
		await join(room, "bob");
		for (const banSeconds of [-1, 1.5, 604_801, Number.NaN]) {
			expect(await remove(room, "bob", banSeconds)).toMatchObject({ ok: false, code: "BAD_REQUEST" });
		}
		expect(await roomStub(room).remove("x".repeat(65))).toMatchObject({ ok: false, code: "BAD_REQUEST" });
		expect((await usersOf(room)).map((user) => user.userId)).toEqual(["bob"]);
	});
});

describe("DELETE /rooms/:room/users/:userId without PUBLISH_KEY set", () => {
	it("is 403 FORBIDDEN and removes nobody", async () => {
		const room = randomRoom();
		const bob = await join(room, "bob");
		const response = await exports.default.fetch(roomUrl(room, "users/bob"), {
			method: "DELETE",
			headers: { Authorization: "Bearer anything" },
		});
		expect(response.status).toBe(403);
		expect(await response.json()).toMatchObject({ error: { code: "FORBIDDEN" } });
		await bob.settle();
		expect(bob.closeEvent).toBeUndefined();
	});
});

describe("a room that keeps only a ban", () => {
	it("keeps its storage while the ban holds, and deletes it on the alarm at the ban's end", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const bannedAt = clock.now();
		expect(await remove(room, "mallory", 30)).toEqual({ ok: true, removed: 0 });
		const banEnd = [bannedAt + 30_000, clock.now() + 30_000];
		alice.close();
		await alice.waitForClose().catch(() => undefined);
		// A request that catches up: nobody is here, no message, but a ban.
		expect(await usersOf(room)).toEqual([]);
		let kept = await storageOf(room);
		// Earlier alarms (the directory's word that the room is vacant) run and keep the ban.
		for (let runs = 0; kept.alarm !== null && kept.alarm < (banEnd[0] as number) && runs < 5; runs++) {
			expect(kept.tables).toContain("bans");
			await runDurableObjectAlarm(roomStub(room));
			kept = await storageOf(room);
		}
		expect(kept.tables).toContain("bans");
		expect(kept.alarm).toBeGreaterThanOrEqual(banEnd[0] as number);
		expect(kept.alarm).toBeLessThanOrEqual(banEnd[1] as number);
		passTime(30_000);
		expect(await runDurableObjectAlarm(roomStub(room))).toBe(true);
		expect(await storageOf(room)).toEqual({ tables: [], alarm: null });
	});
});
