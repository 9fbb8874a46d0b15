/**
 * The React bindings' `error` (src/react/room-store.ts): why the client is not in its room, from
 * the client's `error` events while it connects, and from the one that closes it for good; gone
 * once the room registers us; never an error while in the room that leaves the client in it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RoomStore } from "../../src/react/room-store";
import { FakeSocket } from "./fake-socket";
import { error, joined, registered, settle, startClient } from "./harness";

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

/** A fetch answering the refusal probe with `status` and the room's error body. */
function roomAnswering(status: number, code: string) {
	return async () => ({ status, json: async () => ({ error: { code, message: `the room says ${code}` } }) });
}

function storeFor(options: Parameters<typeof startClient>[0] = {}) {
	const recorded = startClient({ backoff: { baseMs: 100, maxMs: 100 }, ...options });
	return { recorded, store: new RoomStore(recorded.client, 500) };
}

describe("a RoomStore's error", () => {
	it("is the room's refusal for good (401 over HTTP), with the client closed", async () => {
		const { recorded, store } = storeFor({ fetch: roomAnswering(401, "UNAUTHORIZED") });
		expect(store.getSnapshot().error).toBeUndefined();
		recorded.client.connect().catch(() => {});
		await settle();
		FakeSocket.latest().refuse();
		await settle();
		expect(store.getSnapshot()).toMatchObject({
			state: "closed",
			error: { code: "UNAUTHORIZED", message: "the room says UNAUTHORIZED" },
		});
	});

	it("says why while the client retries (a full room), and is cleared when the room registers us", async () => {
		const { recorded, store } = storeFor({ fetch: roomAnswering(503, "ROOM_FULL") });
		recorded.client.connect().catch(() => {});
		await settle();
		FakeSocket.latest().refuse();
		await settle();
		expect(store.getSnapshot()).toMatchObject({
			state: "connecting",
			error: { code: "ROOM_FULL", message: "the room says ROOM_FULL; retrying" },
		});
		await settle(100);
		const socket = FakeSocket.latest();
		socket.accept();
		socket.receive(registered(socket.lastFrame().requestId));
		await settle();
		expect(store.getSnapshot()).toMatchObject({ state: "registered", error: undefined });
		recorded.client.close().catch(() => {});
	});

	it("is a refused Register's code, which ends the client", async () => {
		const { recorded, store } = storeFor();
		recorded.client.connect().catch(() => {});
		await settle();
		const socket = FakeSocket.latest();
		socket.accept();
		socket.receive(error(socket.lastFrame().requestId, "BAD_REQUEST", "userId must be 1-64 characters"));
		await settle();
		expect(store.getSnapshot()).toMatchObject({
			state: "closed",
			error: { code: "BAD_REQUEST", message: "userId must be 1-64 characters" },
		});
	});

	it("stays unset for an error that leaves the client in the room, and is set by a close that ends it", async () => {
		const { recorded, store } = storeFor();
		const socket = await joined(recorded);
		socket.receive(error(undefined, "BAD_REQUEST", "a stray refusal"));
		await settle();
		expect(recorded.errors.map((failure) => failure.code)).toEqual(["BAD_REQUEST"]);
		expect(store.getSnapshot()).toMatchObject({ state: "registered", error: undefined });
		socket.drop(1008, "removed from the room");
		await settle();
		expect(store.getSnapshot()).toMatchObject({
			state: "closed",
			error: { code: "CLOSED", message: "closed by the server (1008): removed from the room" },
		});
	});

	it("keeps a network failure while reconnecting, until the room registers us again", async () => {
		const { recorded, store } = storeFor();
		const socket = await joined(recorded);
		socket.drop();
		await settle(100);
		FakeSocket.latest().refuse();
		await settle();
		expect(store.getSnapshot()).toMatchObject({ state: "reconnecting", error: { code: "CONNECTION_FAILED" } });
		await settle(100);
		const next = FakeSocket.latest();
		next.accept("c2");
		next.receive(registered(next.lastFrame().requestId));
		await settle();
		expect(store.getSnapshot()).toMatchObject({ state: "registered", error: undefined });
		recorded.client.close().catch(() => {});
	});
});
