/**
 * Whether the client asks for batched frames (1.2): `batch: true` in every Register to a room whose
 * welcome says 1.2 or later, never to an older room (it would refuse the field), never with the
 * option off. Asking needs the welcome, so the Register waits for it; without batching it goes on
 * open, as before.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RoomClientOptions } from "../../src/client";
import type { ClientFrame } from "../../src/protocol/types";
import { DEFAULT_LIMITS, FakeSocket } from "./fake-socket";
import { type Recorded, registered, settle, startClient, unregistered } from "./harness";

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

function registers(socket: FakeSocket): ClientFrame[] {
	return socket.frames().filter((frame) => frame.event === "Register");
}

function lastRegister(socket: FakeSocket): Record<string, unknown> {
	const frame = registers(socket).at(-1);
	if (!frame) throw new Error("no Register was written");
	return frame.requestData as Record<string, unknown>;
}

/** connect() to a room of protocol `version`, registered. */
async function joinedRoom(version: unknown, options: Partial<RoomClientOptions> = {}) {
	const recorded = startClient(options);
	const connected = recorded.client.connect();
	await settle();
	const socket = FakeSocket.latest();
	socket.accept("c1", DEFAULT_LIMITS, version);
	socket.receive(registered(socket.lastFrame().requestId));
	await connected;
	return { recorded, socket };
}

/** The link drops; the next socket opens to a room of `version` and is registered again. */
async function reconnectedTo(recorded: Recorded, version: unknown): Promise<FakeSocket> {
	FakeSocket.latest().drop();
	await settle(10_000);
	const socket = FakeSocket.latest();
	socket.accept("c2", DEFAULT_LIMITS, version);
	socket.receive(registered(socket.lastFrame().requestId));
	await settle();
	expect(recorded.client.state).toBe("registered");
	return socket;
}

describe("asking for batched frames", () => {
	it.each(["1.2", "1.3", "1.10", "1.2.1", "2", "2.0"])(
		"asks a room that says %s, beside who we are",
		async (version) => {
			const { socket } = await joinedRoom(version);
			expect(lastRegister(socket)).toEqual({ userId: "alice", presence: "batched", batch: true });
		},
	);

	it.each(["1.1", "1", "1.1.9", "0.9", "1.2-beta", "v1.2", "", undefined, 1.2, null])(
		"does not ask a room that says %j (a 1.1 room refuses the field)",
		async (version) => {
			const { socket } = await joinedRoom(version);
			expect(lastRegister(socket)).toEqual({ userId: "alice", presence: "batched" });
		},
	);

	it("asks again in every Register: after a reconnect, and after unregister() and register()", async () => {
		const { recorded, socket } = await joinedRoom("1.2");
		const next = await reconnectedTo(recorded, "1.2");
		expect(next).not.toBe(socket);
		expect(lastRegister(next)).toMatchObject({ batch: true, since: 0 });

		const left = recorded.client.unregister();
		next.receive(unregistered(next.lastFrame().requestId));
		await left;
		const back = recorded.client.register();
		expect(lastRegister(next)).toMatchObject({ batch: true });
		next.receive(registered(next.lastFrame().requestId));
		await back;
		expect(registers(next)).toHaveLength(2);
	});

	it("decides afresh for each socket: a room that comes back as 1.1 is not asked", async () => {
		const { recorded } = await joinedRoom("1.2");
		const older = await reconnectedTo(recorded, "1.1");
		expect(lastRegister(older)).not.toHaveProperty("batch");
		const newer = await reconnectedTo(recorded, "1.2");
		expect(lastRegister(newer)).toHaveProperty("batch", true);
	});

	it("never asks with the option off, in any Register", async () => {
		const { recorded, socket } = await joinedRoom("1.2", { batch: false });
		const next = await reconnectedTo(recorded, "1.2");
		// A Register on a socket whose welcome has come, too.
		const left = recorded.client.unregister();
		next.receive(unregistered(next.lastFrame().requestId));
		await left;
		void recorded.client.register();
		expect(registers(next)).toHaveLength(2);
		for (const register of [...registers(socket), ...registers(next)]) {
			expect(register.requestData).not.toHaveProperty("batch");
		}
	});
});

describe("when the Register goes", () => {
	it("waits for the room's welcome, which says whether to ask", async () => {
		const { client } = startClient();
		const connected = client.connect();
		await settle();
		const socket = FakeSocket.latest();
		socket.open();
		await settle(1_000);
		expect(socket.frames()).toEqual([]);
		socket.welcome("c1", DEFAULT_LIMITS, "1.2");
		expect(registers(socket)).toHaveLength(1);
		// One welcome a socket: another one sends no second Register.
		socket.welcome("c1", DEFAULT_LIMITS, "1.2");
		expect(registers(socket)).toHaveLength(1);
		socket.receive(registered(socket.lastFrame().requestId));
		await connected;
	});

	it("goes on open with the option off, as before any welcome", async () => {
		const { client } = startClient({ batch: false });
		void client.connect();
		await settle();
		const socket = FakeSocket.latest();
		socket.open();
		expect(registers(socket)).toHaveLength(1);
	});

	it("is not sent at the welcome when unregister() came first, and goes with register()", async () => {
		const { client } = startClient();
		void client.connect().catch(() => {});
		await settle();
		const socket = FakeSocket.latest();
		socket.open();
		await client.unregister();
		socket.welcome("c1", DEFAULT_LIMITS, "1.2");
		expect(registers(socket)).toEqual([]);
		const back = client.register();
		expect(lastRegister(socket)).toMatchObject({ batch: true });
		socket.receive(registered(socket.lastFrame().requestId));
		await back;
		expect(client.state).toBe("registered");
	});
});
