/**
 * (1.3) An `Unregister` on a shard: its reply travels in the answer to the shard's reports, while
 * what the root wrote before it travels in `deliver` calls, which it may overtake. The connection
 * gets everything written before its `Unregistered` and nothing after, even when it was the
 * shard's last registered connection (the root streams on until the shard caught up).
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { encodeServerFrame, ServerEvents, type ServerFrame } from "../../src/protocol";
import { randomRoom } from "../support/client";
import { connect, usersOf } from "../workerd/connect";
import { type Member, members, objectStub, reached, send } from "./rooms";

/** Commits a message and a presence row at the root without sending them to any shard (as a root evicted right after its commit). */
async function commitUnsent(room: string, from: Member, seq: number) {
	const user = (await usersOf(room)).find((each) => each.userId === from.userId);
	if (!user) throw new Error(`${from.userId} is present`);
	const row = encodeServerFrame(ServerEvents.UserUpdated, { user: { ...user, meta: { unsent: true } } });
	await runInDurableObject(objectStub(room, 0), (_, state) => {
		const sql = state.storage.sql;
		sql.exec(
			`INSERT INTO messages (seq, id, from_user, from_name, body, sent_at, to_user, from_connection)
			 VALUES (?, ?, ?, ?, '"unsent"', ?, NULL, ?)`,
			seq,
			crypto.randomUUID(),
			from.userId,
			from.userId,
			Date.now(),
			from.client.established.data.connectionId,
		);
		sql.exec(
			"INSERT INTO presence_log (after_seq, events, user_count, connection_count) VALUES (?, ?, 3, 3)",
			seq,
			row,
		);
	});
	await evictDurableObject(objectStub(room, 0));
}

/** What a client received after its `Welcome`, as `event` or `Message seq` or `UserUpdated user`. */
function heard(frames: ServerFrame[]): string[] {
	return frames.flatMap((frame) => {
		if (frame.event === "Message") return [`Message ${(frame.data as { seq: number }).seq}`];
		if (frame.event === "UserUpdated" || frame.event === "UserJoined")
			return [`${frame.event} ${(frame.data as { user: { userId: string } }).user.userId}`];
		if (frame.event === "Unregistered") return ["Unregistered"];
		return [];
	});
}

describe("an Unregister on a shard", () => {
	it("gets what was written before it and nothing after, as the shard's last registered connection", async () => {
		const room = randomRoom();
		const [ann, , cat] = (await members(room, ["ann", "bob", "cat"])) as [Member, Member, Member];
		expect(cat.shard).toBe(1);
		const first = await send(ann.client, "sent");
		await reached(cat.client, first);
		await commitUnsent(room, ann, first + 1);
		// The woken root answers the Unregister and sends the unsent message and row at once.
		const reply = await cat.client.request("Unregister", {});
		expect(reply.event).toBe("Unregistered");
		expect(heard(cat.client.frames)).toEqual([
			`Message ${first}`,
			`Message ${first + 1}`,
			"UserUpdated ann",
			"Unregistered",
		]);
		// Later: dan registers on shard 1 too, ann writes; dan hears it all, cat nothing.
		const dan = await connect(room);
		expect(dan.established.data.shard).toBe(1);
		expect((await dan.register("dan")).event).toBe("Registered");
		const after = await send(ann.client, "after");
		expect((await ann.client.request("UpdateUser", { meta: { after: true } })).event).toBe("Updated");
		const barrier = await send(ann.client, "barrier");
		await reached(dan, barrier);
		expect(heard(dan.frames)).toEqual([`Message ${after}`, "UserUpdated ann", `Message ${barrier}`]);
		expect(heard(cat.client.frames).slice(4)).toEqual([]);
	});

	it("gets what was written before it when another connection on its shard stays registered", async () => {
		const room = randomRoom();
		const [ann, , cat, dan] = (await members(room, ["ann", "bob", "cat", "dan"])) as [Member, Member, Member, Member];
		expect([cat.shard, dan.shard]).toEqual([1, 1]);
		const first = await send(ann.client, "sent");
		await reached(cat.client, first);
		await commitUnsent(room, ann, first + 1);
		expect((await cat.client.request("Unregister", {})).event).toBe("Unregistered");
		const before = [`Message ${first + 1}`, "UserUpdated ann"];
		expect(heard(cat.client.frames).slice(-3)).toEqual([...before, "Unregistered"]);
		const after = await send(ann.client, "after");
		await reached(dan.client, after);
		expect(heard(dan.client.frames).slice(-3)).toEqual([...before, `Message ${after}`]);
		expect(heard(cat.client.frames).at(-1)).toBe("Unregistered");
	});
});
