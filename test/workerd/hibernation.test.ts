import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { User } from "../../src/protocol";
import { randomRoom } from "../support/client";
import { connect, join, roomStub, usersOf } from "./connect";

describe("after the object is evicted with its sockets hibernated", () => {
	it("keeps the roster, each identity and the next seq, and still broadcasts to everyone", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice", { name: "Alice", meta: { role: "host" } });
		const bobTab1 = await join(room, "bob");
		const bobTab2 = await join(room, "bob");
		const lurker = await connect(room); // connected, never registered
		const first = await alice.request("SendMessage", { message: "before" });
		if (first.event !== "MessageAck") throw new Error("no ack");
		await bobTab1.next("Message");
		await bobTab2.next("Message");
		const rosterBefore: User[] = await usersOf(room);

		await evictDurableObject(roomStub(room));

		// The roster, through RPC, is exactly as it was.
		expect(await usersOf(room)).toEqual(rosterBefore);
		expect(rosterBefore.find((user) => user.userId === "bob")?.connections).toBe(2);

		// The next seq follows on, and a broadcast still reaches every registered socket with the right identity.
		const next = await bobTab1.request("SendMessage", { message: "after" });
		if (next.event !== "MessageAck") throw new Error(`expected ack, got ${JSON.stringify(next)}`);
		expect(next.data.seq).toBe(first.data.seq + 1);
		for (const receiver of [alice, bobTab2]) {
			const message = await receiver.next("Message");
			expect(message.data).toMatchObject({
				seq: next.data.seq,
				from: { userId: "bob", name: "bob" },
				message: "after",
			});
		}
		// The unregistered socket is still unregistered: it hears nothing and may not send.
		const refused = await lurker.request("SendMessage", { message: "x" });
		expect(refused).toMatchObject({ event: "Error", data: { code: "NOT_REGISTERED" } });
		expect(lurker.received("Message")).toHaveLength(0);
		// Alice is still alice: another userId is refused, her own is an update.
		expect(await alice.request("Register", { userId: "mallory" })).toMatchObject({
			data: { code: "ALREADY_REGISTERED" },
		});
		const again = await alice.request("Register", { userId: "alice", name: "Alice", meta: { role: "host" } });
		expect(again.event === "Registered" && again.data.self).toMatchObject({
			connectionId: alice.established.data.connectionId,
			joinedAt: rosterBefore[0]?.joinedAt,
		});
		// Leaving still works: closing one of bob's tabs is an update, the last one a leave.
		bobTab1.close();
		expect((await alice.next("UserUpdated", (f) => f.data.user.connections === 1)).data.user).toMatchObject({
			userId: "bob",
		});
		bobTab2.close();
		expect((await alice.next("UserLeft")).data).toMatchObject({ user: { userId: "bob" }, reason: "close" });
	});

	it("survives repeated evictions between every step", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		await evictDurableObject(roomStub(room));
		const bob = await join(room, "bob");
		expect((await alice.next("UserJoined")).data.user.userId).toBe("bob");
		const seqs: number[] = [];
		for (let i = 0; i < 3; i++) {
			await evictDurableObject(roomStub(room));
			const ack = await alice.request("SendMessage", { message: i });
			if (ack.event !== "MessageAck") throw new Error("no ack");
			seqs.push(ack.data.seq);
			expect((await bob.next("Message")).data.seq).toBe(ack.data.seq);
		}
		expect(seqs).toEqual([1, 2, 3]);
		await evictDurableObject(roomStub(room));
		await bob.request("Unregister");
		expect((await alice.next("UserLeft")).data.reason).toBe("unregister");
	});

	it("tells the others when a close is the first thing that wakes the room", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const bob = await join(room, "bob");
		await alice.next("UserJoined");
		await evictDurableObject(roomStub(room));
		bob.close();
		expect((await alice.next("UserLeft")).data).toMatchObject({ user: { userId: "bob" }, reason: "close" });
	});

	it("tells the others of a closed tab when that close is the first thing that wakes the room", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const tab1 = await join(room, "bob");
		await join(room, "bob");
		await alice.next("UserUpdated", (frame) => frame.data.user.connections === 2);
		await evictDurableObject(roomStub(room));
		tab1.close();
		const update = await alice.next("UserUpdated", (frame) => frame.data.user.connections === 1);
		expect(update.data.user.userId).toBe("bob");
	});
});
