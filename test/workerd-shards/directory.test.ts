/**
 * (1.4) A room over several objects is in the directory once, with the whole room's counts: its
 * root alone holds the roster and feeds the directory; its shards never do.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { PACE_MS } from "../../src/room/directory/feed-plan";
import { randomRoom } from "../support/client";
import { passTime } from "../workerd/clock";
import { directoryOf, expectListed } from "../workerd/directory-support";
import { graceEnds, graceStarted } from "./presence-support";
import { members, objectStub } from "./rooms";

describe("the directory of rooms over several objects", () => {
	it("lists the room once with every object's users, and drops it after the last one's grace", async () => {
		const room = randomRoom("dirs");
		const joined = await members(room, ["ann", "bob", "cat", "dan", "eve"]);
		expect(joined.map((member) => member.shard)).toEqual([0, 0, 1, 1, 2]);
		// The first changes go at once; the rest waits for the alarm, PACE_MS later at most.
		passTime(PACE_MS);
		await runDurableObjectAlarm(objectStub(room, 0));
		await expectListed(room, { userCount: 5, connectionCount: 5 });
		expect((await directoryOf(room)).map((entry) => entry.room)).toEqual([room]);
		for (const shard of [1, 2]) {
			const record = await runInDurableObject(objectStub(room, shard), (_, state) => state.storage.kv.get("directory"));
			expect(record, `shard ${shard}`).toBeUndefined();
		}
		for (const member of joined) member.client.close();
		await graceStarted(room, 5);
		await graceEnds(room);
		await expectListed(room, undefined);
	});
});
