/**
 * End to end: the real `wrangler dev` (workerd, the Worker, the Room Durable Object) driven
 * over loopback by real WebSocket clients (the `ws` package), as a browser or `wscat` would.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { HEARTBEAT, PROTOCOL_VERSION, type ServerEventData, type User } from "../../src/protocol";
import { type FrameOf, randomRoom, type SocketLike, TestClient } from "../support/client";
import { startWranglerDev, stopWranglerDev, type WranglerDev } from "./wrangler-dev";

/** Every wait is bounded, and generous: a real process and a real network are in the way. */
const WAIT_MS = 10_000;

let dev: WranglerDev;

beforeAll(async () => {
	dev = await startWranglerDev();
});

afterAll(async () => {
	await stopWranglerDev(dev);
});

// ---- clients -------------------------------------------------------------------------------

interface E2EClient extends TestClient {
	readonly ws: WebSocket;
	established: FrameOf<"ConnectionEstablished">;
}

const open = new Set<E2EClient>();

afterEach(() => {
	for (const client of open) client.ws.terminate();
	open.clear();
});

function wsUrl(room: string): string {
	return `${dev.wsOrigin}/rooms/${room}/ws`;
}

/** Opens a real WebSocket to the room and takes its ConnectionEstablished. */
async function connect(room: string): Promise<E2EClient> {
	const ws = new WebSocket(wsUrl(room));
	// Listening from the start: nothing the server sends on open can be missed.
	const client = new TestClient(ws as unknown as SocketLike) as E2EClient;
	Object.assign(client, { ws });
	open.add(client);
	await new Promise<void>((done, fail) => {
		const timer = setTimeout(() => fail(new Error(`no WebSocket open after ${WAIT_MS} ms`)), WAIT_MS);
		ws.once("open", () => {
			clearTimeout(timer);
			done();
		});
		ws.once("error", (error) => {
			clearTimeout(timer);
			fail(error);
		});
		ws.once("unexpected-response", (_request, response) => {
			clearTimeout(timer);
			fail(new Error(`upgrade refused: ${response.statusCode}`));
		});
	});
	client.established = await client.next("ConnectionEstablished", undefined, WAIT_MS);
	return client;
}

/** Sends a request and checks that the reply is the expected event. */
async function expectReply<E extends keyof ServerEventData>(
	client: TestClient,
	event: string,
	requestData: unknown,
	expected: E,
): Promise<FrameOf<E>> {
	const reply = await client.request(event, requestData, WAIT_MS);
	expect(reply.event, JSON.stringify(reply)).toBe(expected);
	return reply as FrameOf<E>;
}

/** Connects and registers; returns the client and its Registered reply. */
async function join(room: string, userId: string, extra: Record<string, unknown> = {}) {
	const client = await connect(room);
	const registered = await expectReply(client, "Register", { userId, ...extra }, "Registered");
	return { client, registered };
}

/** Closes a client cleanly and waits until the close handshake is over. */
async function closeCleanly(client: E2EClient): Promise<void> {
	client.close(1000, "bye");
	await client.waitForClose(WAIT_MS);
	open.delete(client);
}

function waitForText(client: E2EClient, text: string): Promise<void> {
	return new Promise((done, fail) => {
		if (client.texts.includes(text)) return done();
		const timer = setTimeout(() => {
			client.ws.off("message", onMessage);
			fail(new Error(`no "${text}" after ${WAIT_MS} ms; got ${JSON.stringify(client.texts)}`));
		}, WAIT_MS);
		const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
			if (isBinary || data.toString() !== text) return;
			clearTimeout(timer);
			client.ws.off("message", onMessage);
			done();
		};
		client.ws.on("message", onMessage);
	});
}

// ---- HTTP ----------------------------------------------------------------------------------

async function get(path: string, init?: RequestInit) {
	return fetch(`${dev.origin}${path}`, {
		...init,
		signal: AbortSignal.timeout(WAIT_MS),
	});
}

async function usersOf(room: string): Promise<User[]> {
	const response = await get(`/rooms/${room}/users`);
	expect(response.status).toBe(200);
	const body = (await response.json()) as { room: string; users: User[] };
	expect(body.room).toBe(room);
	return body.users;
}

function byId(users: User[]): Record<string, User> {
	return Object.fromEntries(users.map((user) => [user.userId, user]));
}

describe("HTTP surface", () => {
	it("GET /health answers {ok:true}", async () => {
		const response = await get("/health");
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toMatch(/application\/json/);
		expect(await response.json()).toEqual({ ok: true });
	});

	it("refuses a bad room name with 400 BAD_ROOM", async () => {
		const response = await get("/rooms/bad!name/ws");
		expect(response.status).toBe(400);
		expect(response.headers.get("content-type")).toMatch(/application\/json/);
		const body = (await response.json()) as {
			error: { code: string; message: string };
		};
		expect(body.error.code).toBe("BAD_ROOM");
		expect(typeof body.error.message).toBe("string");
	});

	it("refuses a room socket without an upgrade with 426 UPGRADE_REQUIRED", async () => {
		const response = await get(`/rooms/${randomRoom()}/ws`);
		expect(response.status).toBe(426);
		expect(response.headers.get("content-type")).toMatch(/application\/json/);
		const body = (await response.json()) as { error: { code: string } };
		expect(body.error.code).toBe("UPGRADE_REQUIRED");
	});

	it("serves the demo page at /", async () => {
		const response = await get("/");
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toMatch(/text\/html/);
		expect(await response.text()).toMatch(/<html/i);
	});

	it("lists a room's registered users", async () => {
		const room = randomRoom();
		expect(await usersOf(room)).toEqual([]);
		await join(room, "alice", { name: "Alice", meta: { color: "red" } });
		await join(room, "bob");
		// A connection that never registered is not a user.
		await connect(room);
		const users = await usersOf(room);
		expect(users.map((user) => user.userId)).toEqual(["alice", "bob"]);
		expect(users[0]).toMatchObject({
			userId: "alice",
			name: "Alice",
			meta: { color: "red" },
			connections: 1,
		});
		expect(users[1]).toMatchObject({
			userId: "bob",
			name: "bob",
			meta: {},
			connections: 1,
		});
		for (const user of users) expect(typeof user.joinedAt).toBe("number");
	});
});

// ---- WebSocket -----------------------------------------------------------------------------

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
