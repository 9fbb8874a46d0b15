/**
 * (1.3) Presence across a room's objects: every connection, on any object, hears exactly what a
 * connection of its mode hears in a room of one object. `events`: each join, update and leave
 * once, in order, never its own; `batched`: the same `Presence` frames as every other batched
 * connection of the room; `count`: `Occupancy` with the whole room's counts, paced, and nothing
 * else. Leave grace holds across objects.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { PresenceMode } from "../../src/protocol";
import { randomRoom } from "../support/client";
import { passTime } from "../workerd/clock";
import {
	barrier,
	eventsOf,
	graceEnds,
	graceStarted,
	lastOccupancy,
	presenceOf,
	registerAs,
	sockets,
	windowsOf,
} from "./presence-support";
import { type Member, members, objectStub } from "./rooms";

const FIVE = ["ann", "bob", "cat", "dan", "eve"];

function five(joined: Member[]) {
	return joined as [Member, Member, Member, Member, Member];
}

describe("presence across a room's objects", () => {
	it("tells events connections on every object each join, update and leave once, never their own", async () => {
		const room = randomRoom();
		const joined = await members(room, FIVE);
		const [ann, bob, cat, dan, eve] = five(joined);
		expect(joined.map((member) => member.shard)).toEqual([0, 0, 1, 1, 2]);
		await barrier(ann, [bob, cat, dan, eve]);
		// Each heard the later joiners, whichever object they joined on.
		joined.forEach((member, index) => {
			expect(eventsOf(member.client), member.userId).toEqual(FIVE.slice(index + 1).map((id) => `UserJoined ${id}`));
		});
		expect((await eve.client.request("UpdateUser", { meta: { status: "away" } })).event).toBe("Updated");
		await cat.client.waitFor((frame) => frame.event === "UserUpdated");
		expect((await cat.client.request("Unregister", {})).event).toBe("Unregistered");
		dan.client.close();
		await graceStarted(room, 1);
		await barrier(ann, [bob, eve]);
		// Dan's close is in its grace: nobody hears of it yet.
		for (const member of [ann, bob, eve]) expect(eventsOf(member.client).at(-1)).toBe("UserLeft cat unregister");
		await graceEnds(room);
		await barrier(ann, [bob, eve]);
		const laterEvents = (member: Member) => eventsOf(member.client).slice(4 - FIVE.indexOf(member.userId));
		expect(laterEvents(ann)).toEqual(["UserUpdated eve", "UserLeft cat unregister", "UserLeft dan close"]);
		expect(laterEvents(bob)).toEqual(["UserUpdated eve", "UserLeft cat unregister", "UserLeft dan close"]);
		// The one who caused a change hears no event of it.
		expect(eventsOf(eve.client)).toEqual(["UserLeft cat unregister", "UserLeft dan close"]);
		expect(eventsOf(cat.client)).toEqual(["UserJoined dan", "UserJoined eve", "UserUpdated eve"]);
	});

	it.each<PresenceMode>(["events", "batched", "count"])(
		"a join, update and leave on shard 1 reach each mode on the root and on shard 2 (shard 2 %s)",
		async (mode) => {
			const room = randomRoom();
			const [c0, c1, c2, c3, c4] = await sockets(room, 5);
			if (!c0 || !c1 || !c2 || !c3 || !c4) throw new Error("five sockets");
			const [ann, bob, cat, eve] = await registerAs(room, [
				{ client: c0, userId: "ann" },
				{ client: c1, userId: "bob", extra: { presence: "batched" } },
				{ client: c2, userId: "cat", extra: { presence: "count" } },
				{ client: c4, userId: "eve", extra: { presence: mode } },
			]);
			if (!ann || !bob || !cat || !eve) throw new Error("four members");
			expect([ann.shard, bob.shard, cat.shard, eve.shard]).toEqual([0, 0, 1, 2]);
			await barrier(ann, [bob, cat, eve]);
			const before = new Map([ann, bob, cat, eve].map((member) => [member, presenceOf(member.client).length]));
			const windowsBefore = windowsOf(bob.client).length;
			const [dan] = await registerAs(room, [{ client: c3, userId: "dan" }]);
			if (!dan) throw new Error("dan");
			expect(dan.shard).toBe(1);
			expect((await dan.client.request("UpdateUser", { name: "Daniel" })).event).toBe("Updated");
			expect((await dan.client.request("Unregister", {})).event).toBe("Unregistered");
			await barrier(ann, [bob, cat, eve]);
			const heard = (member: Member) => presenceOf(member.client).slice(before.get(member));
			const danEvents = ["UserJoined dan", "UserUpdated dan", "UserLeft dan unregister"];
			expect(eventsOf(ann.client).slice(-3)).toEqual(danEvents);
			// The batched window's frames: the same at the root and on shard 2, ending with dan gone.
			const windowsEnd = async (member: Member) =>
				member.client.waitFor(
					(frame) => frame.event === "Presence" && JSON.stringify(frame.data).includes('"reason":"unregister"'),
				);
			await windowsEnd(bob);
			expect(heard(bob).every((frame) => frame.event === "Presence")).toBe(true);
			if (mode === "batched") {
				await windowsEnd(eve);
				await barrier(ann, [bob, cat, eve]);
				expect(windowsOf(eve.client).slice(-windowsOf(bob.client).slice(windowsBefore).length)).toEqual(
					windowsOf(bob.client).slice(windowsBefore),
				);
			}
			if (mode === "events")
				expect(heard(eve).map((frame) => frame.event)).toEqual(["UserJoined", "UserUpdated", "UserLeft"]);
			// Count connections: the whole room's counts, paced a second apart, and nothing else.
			const counted = mode === "count" ? [cat, eve] : [cat];
			for (let round = 0; round < 4; round++) {
				passTime(1000);
				for (const shard of [1, 2]) await runDurableObjectAlarm(objectStub(room, shard));
			}
			for (const member of counted) {
				await vi.waitFor(() => expect(lastOccupancy(member.client)).toEqual({ userCount: 4, connectionCount: 4 }));
				expect(heard(member).every((frame) => frame.event === "Occupancy")).toBe(true);
			}
			// Dan heard nothing of himself.
			expect(presenceOf(dan.client)).toEqual([]);
		},
	);
});
