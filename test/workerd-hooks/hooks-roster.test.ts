/**
 * `onJoin` and `onLeave` after the roster changed, on every entry point that changes it: Register
 * and Unregister, a close (after the leave grace), the grace's end by the alarm or by any request
 * that catches up, and on a fresh instance after the object was evicted. A return within the
 * grace is neither. LEAVE_GRACE_SECONDS is 10 here; time moves with the injected clock.
 */
import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { getRoom } from "../../src/server";
import { randomRoom } from "../support/client";
import { passTime } from "../workerd/clock";
import { capturedErrors, chatUrl, hooksCalled, hooksEnv, joinAs, lines, request } from "./helpers";
import { callsOf, lastInstance } from "./worker";

const GRACE_MS = 10_000;

const stub = (room: string) => hooksEnv.ROOMS.get(hooksEnv.ROOMS.idFromName(room));

/** The roster calls only (what onJoin and onLeave were told), in order. */
const rosterCalls = (room: string) => callsOf(room).filter((call) => !call.startsWith("message"));

describe("onJoin and onLeave", () => {
	it("hear a user's first Register and an Unregister, each once, with the identity authorize bound", async () => {
		const room = randomRoom();
		const alice = await joinAs(room, "alice");
		await hooksCalled(room, ["join alice alice (signed in) 1"]);
		// A second tab of the same user is no join; its Unregister is no leave.
		const tab = await joinAs(room, "alice");
		await tab.request("Unregister");
		await alice.request("Unregister");
		await hooksCalled(room, ["leave alice unregister 0"]);
		expect(rosterCalls(room)).toEqual(["join alice alice (signed in) 1", "leave alice unregister 0"]);
	});

	it("hear of a close only when the grace ends, by the alarm; a return within the grace is neither", async () => {
		const room = randomRoom();
		const alice = await joinAs(room, "alice");
		const bob = await joinAs(room, "bob");
		await alice.next("UserJoined");
		bob.close();
		await bob.waitForClose();
		passTime(GRACE_MS - 1000);
		const back = await joinAs(room, "bob");
		back.close();
		await back.waitForClose();
		passTime(GRACE_MS - 1000);
		await runDurableObjectAlarm(stub(room));
		expect(rosterCalls(room)).toEqual(["join alice alice (signed in) 1", "join bob bob (signed in) 1"]);
		passTime(1000);
		await runDurableObjectAlarm(stub(room));
		await hooksCalled(room, ["leave bob close 0"]);
		expect((await alice.next("UserLeft")).data.user.userId).toBe("bob");
	});

	it("hear a grace's end caught up by a request (users, occupancy, a publish), not only by the alarm", async () => {
		const room = randomRoom();
		for (const [user, catchUp] of [
			["bob", () => request(chatUrl(room, "users"), "reader")],
			["carol", () => getRoom(hooksEnv.ROOMS, room).occupancy()],
			["dave", () => getRoom(hooksEnv.ROOMS, room).publish("catch up")],
		] as const) {
			const member = await joinAs(room, user);
			member.close();
			await member.waitForClose();
			passTime(GRACE_MS);
			await catchUp();
			await hooksCalled(room, [`leave ${user} close 0`]);
		}
	});

	it("run on a fresh instance after an eviction: a join, and a leave whose grace the new instance's alarm ends", async () => {
		const room = randomRoom();
		const alice = await joinAs(room, "alice");
		await hooksCalled(room, ["join alice alice (signed in) 1"]);
		const first = lastInstance.get(room);
		await evictDurableObject(stub(room));
		const bob = await joinAs(room, "bob");
		await hooksCalled(room, ["join bob bob (signed in) 1"]);
		const second = lastInstance.get(room);
		expect(second).not.toBe(first);

		bob.close();
		await bob.waitForClose();
		await evictDurableObject(stub(room));
		passTime(GRACE_MS);
		await runDurableObjectAlarm(stub(room));
		await hooksCalled(room, ["leave bob close 0"]);
		expect(lastInstance.get(room)).not.toBe(second);
		expect((await alice.next("UserLeft")).data).toMatchObject({ user: { userId: "bob" }, reason: "close" });
	});

	it("keep the roster change and the room going when they throw or return a Promise, and log it with the room's name", async () => {
		const room = randomRoom();
		const errors = capturedErrors();
		const alice = await joinAs(room, "alice");
		const thrower = await joinAs(room, "throws-a-lot");
		expect((await alice.next("UserJoined")).data.user.userId).toBe("throws-a-lot");
		await thrower.request("Unregister");
		expect((await alice.next("UserLeft")).data.user.userId).toBe("throws-a-lot");
		const asyncOne = await joinAs(room, "async-leaver");
		await asyncOne.request("Unregister");
		await alice.next("UserLeft", (frame) => frame.data.user.userId === "async-leaver");
		await hooksCalled(room, ["join async-leaver async-leaver (signed in) 1", "leave async-leaver unregister 0"]);
		await expect
			.poll(() => lines(errors).filter((line) => line.startsWith(`room "${room}": `)))
			.toEqual([
				expect.stringContaining("onJoin threw: Error: onJoin failed on purpose"),
				expect.stringContaining("onLeave threw: Error: onLeave failed on purpose"),
				expect.stringContaining("onLeave returned a Promise: hooks must be synchronous"),
				expect.stringContaining("onLeave threw: Error: an async onLeave rejected"),
			]);
		const users = (await (await request(chatUrl(room, "users"), "reader")).json()) as { users: { userId: string }[] };
		expect(users.users.map((user) => user.userId)).toEqual(["alice"]);
		expect((await alice.request("SendMessage", { message: "still here" })).event).toBe("MessageAck");
	});
});
