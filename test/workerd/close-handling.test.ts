/**
 * How the room answers a peer's close: it completes a handshake the peer started, and writes
 * nothing to a socket whose transport is gone (such a write can fail later, uncaught).
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { randomRoom } from "../support/client";
import { join, roomStub } from "./connect";

/** A socket the runtime reports closed: it records what the room writes to it. */
function closedSocket(readyState: number) {
	return {
		readyState,
		close: vi.fn(),
		send: vi.fn(),
		deserializeAttachment: () => null,
		serializeAttachment: vi.fn(),
	};
}

async function closeWith(code: number, wasClean: boolean, readyState = WebSocket.CLOSING) {
	const socket = closedSocket(readyState);
	await runInDurableObject(roomStub(randomRoom()), (room) =>
		room.webSocketClose(socket as unknown as WebSocket, code, "bye", wasClean),
	);
	return socket;
}

describe("answering a peer's close", () => {
	it.each([1006, 1015])("writes nothing when the runtime reports %d (no Close frame came)", async (code) => {
		const socket = await closeWith(code, false);
		expect(socket.close).not.toHaveBeenCalled();
		expect(socket.send).not.toHaveBeenCalled();
	});

	it("writes nothing after an unclean close, whatever code it carries", async () => {
		expect((await closeWith(1000, false)).close).not.toHaveBeenCalled();
	});

	it("completes a clean close with the peer's code, and a code-less one (1005) with 1000", async () => {
		expect((await closeWith(4321, true)).close).toHaveBeenCalledWith(4321, "bye");
		expect((await closeWith(1005, true)).close).toHaveBeenCalledWith(1000, "bye");
	});

	it("writes nothing to a socket that is already closed", async () => {
		expect((await closeWith(1000, true, WebSocket.CLOSED)).close).not.toHaveBeenCalled();
	});

	it("still tells the others when a peer vanishes without a Close frame", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const bob = await join(room, "bob");
		await alice.next("UserJoined");
		await runInDurableObject(roomStub(room), async (instance, state) => {
			const socket = state.getWebSockets().find((ws) => JSON.stringify(ws.deserializeAttachment()).includes('"bob"'));
			if (!socket) throw new Error("bob's socket is not in the room");
			await instance.webSocketClose(socket, 1006, "", false);
		});
		const left = await alice.next("UserLeft");
		expect(left.data).toMatchObject({ user: { userId: "bob" }, reason: "close" });
		expect(bob.received("UserLeft")).toEqual([]);
	});
});
