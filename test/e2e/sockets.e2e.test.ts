/**
 * End to end, room sockets on the real `wrangler dev` (started once by global-setup.ts),
 * driven over loopback by real WebSocket clients: the handshake, the heartbeat, messages and
 * presence across users, tabs and abrupt disconnects.
 */
import { afterEach, describe, expect, it } from "vitest";
import { HEARTBEAT, PROTOCOL_VERSION } from "../../src/protocol";
import { randomRoom } from "../support/client";
import {
	byId,
	closeAll,
	closeCleanly,
	connect,
	expectReply,
	join,
	open,
	usersOf,
	WAIT_MS,
	waitForText,
} from "./clients";

afterEach(closeAll);

describe("room sockets", () => {
	it("sends ConnectionEstablished on open", async () => {
		const room = randomRoom();
		const client = await connect(room);
		const { data } = client.established;
		expect(data.protocol).toBe(PROTOCOL_VERSION);
		expect(data.protocol).toBe(1);
		expect(data.room).toBe(room);
		expect(typeof data.connectionId).toBe("string");
		expect(data.connectionId.length).toBeGreaterThan(0);
		expect(data.heartbeat).toEqual({ ...HEARTBEAT });
		expect(data.heartbeat).toEqual({
			request: "ping",
			response: "pong",
			intervalMs: 20_000,
			timeoutMs: 60_000,
		});
		expect(client.established.requestId).toBeUndefined();
	});

	it("answers the text ping with the text pong", async () => {
		const client = await connect(randomRoom());
		client.send("ping");
		await waitForText(client, "pong");
		// Still a working connection afterwards.
		await expectReply(client, "Register", { userId: "alice" }, "Registered");
	});

	it("two users see each other, and a message reaches the other but not its sender", async () => {
		const room = randomRoom();
		const { client: alice, registered: aliceRegistered } = await join(room, "alice", { name: "Alice" });
		expect(aliceRegistered.data.self).toMatchObject({
			userId: "alice",
			name: "Alice",
			connections: 1,
		});
		expect(aliceRegistered.data.self.connectionId).toBe(alice.established.data.connectionId);
		expect(aliceRegistered.data.users.map((user) => user.userId)).toEqual(["alice"]);

		const { client: bob, registered: bobRegistered } = await join(room, "bob", {
			name: "Bob",
		});
		expect(bobRegistered.data.self).toMatchObject({
			userId: "bob",
			name: "Bob",
			connections: 1,
		});
		expect(Object.keys(byId(bobRegistered.data.users)).sort()).toEqual(["alice", "bob"]);

		const joined = await alice.next("UserJoined", (frame) => frame.data.user.userId === "bob", WAIT_MS);
		expect(joined.data.user).toMatchObject({
			userId: "bob",
			name: "Bob",
			meta: {},
			connections: 1,
		});
		expect(joined.requestId).toBeUndefined();

		const payload = { text: "hello, bob", n: 1, nested: [true, null] };
		const ack = await expectReply(alice, "SendMessage", { message: payload }, "MessageAck");
		expect(ack.data.seq).toBe(1); // a fresh room counts from 1
		expect(typeof ack.data.id).toBe("string");
		expect(typeof ack.data.sentAt).toBe("number");

		const received = await bob.next("Message", undefined, WAIT_MS);
		expect(received.data).toMatchObject({
			id: ack.data.id,
			seq: ack.data.seq,
			from: { userId: "alice", name: "Alice" },
			message: payload,
			sentAt: ack.data.sentAt,
		});
		expect(received.data.to).toBeUndefined();

		// The sender never gets its own Message: proven by a barrier, not by waiting a while.
		await alice.settle(WAIT_MS);
		expect(alice.received("Message")).toEqual([]);
		// Nor did bob's join or the message echo anything else to bob.
		await bob.settle(WAIT_MS);
		expect(bob.pending("Message")).toEqual([]);
		expect(bob.received("UserJoined")).toEqual([]);
	});

	it("an abrupt disconnect (no close frame) is seen by the others as UserLeft close", async () => {
		const room = randomRoom();
		const { client: alice } = await join(room, "alice");
		const { client: bob } = await join(room, "bob");
		await alice.next("UserJoined", (frame) => frame.data.user.userId === "bob", WAIT_MS);
		expect(Object.keys(byId(await usersOf(room))).sort()).toEqual(["alice", "bob"]);

		bob.ws.terminate(); // the TCP connection goes away without a closing handshake
		open.delete(bob);

		const left = await alice.next("UserLeft", (frame) => frame.data.user.userId === "bob", WAIT_MS);
		expect(left.data.reason).toBe("close");
		expect(left.data.user).toMatchObject({ userId: "bob", connections: 0 });
		expect((await usersOf(room)).map((user) => user.userId)).toEqual(["alice"]);
	});

	it("a second tab of the same user is one user with two connections", async () => {
		const room = randomRoom();
		const { client: bob } = await join(room, "bob");
		const { client: tab1 } = await join(room, "alice", { name: "Alice" });
		await bob.next("UserJoined", (frame) => frame.data.user.userId === "alice", WAIT_MS);

		const { client: tab2, registered } = await join(room, "alice", {
			name: "Alice",
		});
		expect(registered.data.self).toMatchObject({
			userId: "alice",
			connections: 2,
		});
		expect(registered.data.self.connectionId).toBe(tab2.established.data.connectionId);
		expect(registered.data.self.connectionId).not.toBe(tab1.established.data.connectionId);
		expect(byId(registered.data.users).alice?.connections).toBe(2);

		// Others hear of the new tab count, but nobody joined.
		const updated = await bob.next("UserUpdated", (frame) => frame.data.user.userId === "alice", WAIT_MS);
		expect(updated.data.user).toMatchObject({
			userId: "alice",
			connections: 2,
		});
		await bob.settle(WAIT_MS);
		expect(bob.pending("UserJoined")).toEqual([]);
		expect(byId(await usersOf(room)).alice).toMatchObject({
			userId: "alice",
			name: "Alice",
			connections: 2,
		});

		// Closing one tab: alice is still here, with one connection.
		await closeCleanly(tab1);
		const down = await bob.next("UserUpdated", (frame) => frame.data.user.userId === "alice", WAIT_MS);
		expect(down.data.user.connections).toBe(1);
		await bob.settle(WAIT_MS);
		expect(bob.received("UserLeft")).toEqual([]);
		expect(byId(await usersOf(room)).alice?.connections).toBe(1);

		// Closing the last tab: alice leaves.
		await closeCleanly(tab2);
		const left = await bob.next("UserLeft", (frame) => frame.data.user.userId === "alice", WAIT_MS);
		expect(left.data.reason).toBe("close");
		expect((await usersOf(room)).map((user) => user.userId)).toEqual(["bob"]);
	});
});
