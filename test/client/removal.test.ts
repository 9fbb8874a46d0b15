/**
 * (1.4) The client after its room's backend removed its user: a 4003 close ends it for good (no
 * reconnect, state `closed`, an `error` with code REMOVED, sends waiting refused with it, and the
 * React store's `error` says so), and a banned user's Register (`Error` FORBIDDEN) is final too.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RoomStore } from "../../src/react/room-store";
import { FakeSocket } from "./fake-socket";
import { error, joined, settle, startClient } from "./harness";

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

describe("after the room removed our user", () => {
	it("does not reconnect after close 4003: closed, with a REMOVED error, and sends refused", async () => {
		const recorded = startClient();
		const socket = await joined(recorded);
		const pending = recorded.client.send("queued").catch((failure: unknown) => failure);
		socket.drop(4003, "removed");
		await settle(600_000);
		expect(FakeSocket.instances).toHaveLength(1);
		expect(recorded.client.state).toBe("closed");
		expect(recorded.states.at(-1)).toBe("closed");
		expect(recorded.errors.map((failure) => failure.code)).toEqual(["REMOVED"]);
		expect(recorded.errors[0]?.message).toContain("removed");
		expect(await pending).toMatchObject({ code: "REMOVED" });
		await expect(recorded.client.send("later")).rejects.toMatchObject({ code: "CLOSED" });
	});

	it("shows REMOVED as the React store's error, with the client closed", async () => {
		const recorded = startClient();
		const store = new RoomStore(recorded.client, 100);
		const socket = await joined(recorded);
		expect(store.getSnapshot()).toMatchObject({ state: "registered", error: undefined });
		socket.drop(4003, "removed");
		await settle();
		expect(store.getSnapshot()).toMatchObject({ state: "closed", error: { code: "REMOVED" } });
	});

	it("takes a banned user's Register refusal (FORBIDDEN) as final: connect() rejects, no retry", async () => {
		const recorded = startClient({ backoff: { baseMs: 100, maxMs: 100 } });
		const connected = recorded.client.connect();
		await settle();
		const socket = FakeSocket.latest();
		socket.accept();
		socket.receive(error(socket.lastFrame().requestId, "FORBIDDEN", '"alice" is banned from this room'));
		await expect(connected).rejects.toMatchObject({ code: "FORBIDDEN" });
		await settle(60_000);
		expect(recorded.client.state).toBe("closed");
		expect(FakeSocket.instances).toHaveLength(1);
		expect(socket.frames().filter((frame) => frame.event === "Register")).toHaveLength(1);
	});
});
