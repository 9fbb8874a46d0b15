/**
 * A room that keeps refusing the socket: the client asks its users page why (refusal-check.ts),
 * stops for good on 401 and 403 with the room's own code, and keeps retrying otherwise, asking
 * again only now and then.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { usersUrlFor } from "../../src/client/refusal-check";
import { FakeSocket } from "./fake-socket";
import { settle, startClient } from "./harness";

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

/** A fetch that answers every request with `status` and the room's error body for it, recording the URLs. */
function roomAnswering(status: number, code = "UNAUTHORIZED") {
	const urls: string[] = [];
	const fetch = async (url: string) => {
		urls.push(url);
		return {
			status,
			json: async () => (status === 200 ? { users: [] } : { error: { code, message: `the room says ${code}` } }),
		};
	};
	return { urls, fetch };
}

describe("a refused socket", () => {
	it.each([
		[401, "UNAUTHORIZED"],
		[403, "FORBIDDEN"],
	])("answered %i over HTTP is that code, and the client stops", async (status, code) => {
		const room = roomAnswering(status, code);
		const recorded = startClient({ token: "t0k", fetch: room.fetch });
		const connected = recorded.client.connect();
		await settle();
		FakeSocket.latest().refuse();
		await expect(connected).rejects.toMatchObject({ code, message: `the room says ${code}` });
		expect(recorded.errors.map((error) => error.code)).toEqual(["CONNECTION_FAILED", code]);
		expect(recorded.client.state).toBe("closed");
		expect(room.urls).toEqual(["http://rooms.test/rooms/lobby/users?token=t0k"]);
		const sockets = FakeSocket.instances.length;
		await settle(60_000);
		expect(FakeSocket.instances.length).toBe(sockets);
	});

	it("is retried while the room answers over HTTP (full, too many connections, an origin), asking now and then", async () => {
		const room = roomAnswering(200);
		const recorded = startClient({ fetch: room.fetch, backoff: { baseMs: 100, maxMs: 100 } });
		recorded.client.connect().catch(() => {});
		for (let attempt = 1; attempt <= 6; attempt++) {
			await settle();
			FakeSocket.latest().refuse();
			await settle(100);
		}
		expect(recorded.client.state).toBe("connecting");
		expect(recorded.errors.every((error) => error.code === "CONNECTION_FAILED")).toBe(true);
		// After the first failure, then every third.
		expect(room.urls).toHaveLength(3);
		FakeSocket.latest().accept();
		await recorded.client.close();
	});

	it("is not asked about when the network fails too", async () => {
		const recorded = startClient({
			fetch: async () => {
				throw new TypeError("network down");
			},
		});
		recorded.client.connect().catch(() => {});
		await settle();
		FakeSocket.latest().refuse();
		await settle(2_000);
		expect(recorded.client.state).toBe("connecting");
		recorded.client.close().catch(() => {});
	});
});

describe("the users page of a socket URL", () => {
	it("keeps the host, the room and the token", () => {
		expect(usersUrlFor("wss://rooms.example.com/rooms/a.b/ws?token=x")).toBe(
			"https://rooms.example.com/rooms/a.b/users?token=x",
		);
		expect(usersUrlFor("ws://127.0.0.1:8787/rooms/lobby/ws")).toBe("http://127.0.0.1:8787/rooms/lobby/users");
	});
});
