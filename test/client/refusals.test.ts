/**
 * A room that keeps refusing the socket: the client asks the socket's URL over HTTP why
 * (refusal-check.ts), stops for good on 401 and 403 with the room's own code, reports a full room
 * or too many connections as such while it keeps retrying, and asks again only now and then.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { askUrlFor } from "../../src/client/refusal-check";
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
			json: async () => ({ error: { code, message: `the room says ${code}` } }),
		};
	};
	return { urls, fetch };
}

/** A client on a short backoff whose first `attempts` sockets are each refused, as a browser sees it. */
async function refusedAttempts(fetch: ReturnType<typeof roomAnswering>["fetch"], attempts: number) {
	const recorded = startClient({ fetch, backoff: { baseMs: 100, maxMs: 100 } });
	recorded.client.connect().catch(() => {});
	for (let attempt = 1; attempt <= attempts; attempt++) {
		await settle();
		FakeSocket.latest().refuse();
		await settle(100);
	}
	return recorded;
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
		expect(room.urls).toEqual(["http://rooms.test/rooms/lobby/ws?token=t0k"]);
		const sockets = FakeSocket.instances.length;
		await settle(60_000);
		expect(FakeSocket.instances.length).toBe(sockets);
	});

	it("is retried while the room admits us over HTTP (426: the network failed), asking now and then", async () => {
		const room = roomAnswering(426, "UPGRADE_REQUIRED");
		const recorded = await refusedAttempts(room.fetch, 6);
		expect(recorded.client.state).toBe("connecting");
		expect(recorded.errors.map((error) => error.code)).toEqual(Array(6).fill("CONNECTION_FAILED"));
		// After the first failure, then every third.
		expect(room.urls).toHaveLength(3);
		FakeSocket.latest().accept();
		await recorded.client.close();
	});

	it.each([
		[503, "ROOM_FULL"],
		[429, "TOO_MANY_CONNECTIONS"],
	])(
		"answered %i is reported as %s on every failed attempt, retried, and forgotten once a socket opens",
		async (status, code) => {
			const room = roomAnswering(status, code);
			const recorded = await refusedAttempts(room.fetch, 4);
			expect(recorded.client.state).toBe("connecting");
			// The first failure before the room was asked; then its reason, once per attempt.
			expect(recorded.errors.map((error) => error.code)).toEqual(["CONNECTION_FAILED", code, code, code, code]);
			expect(recorded.errors.at(-1)?.message).toBe(`the room says ${code}; retrying`);
			FakeSocket.latest().accept();
			await settle();
			// A later drop and failed attempt is the network's again until the room is asked.
			const errorsBefore = recorded.errors.length;
			FakeSocket.latest().drop();
			await settle(100);
			FakeSocket.latest().refuse();
			expect(recorded.errors[errorsBefore]?.code).toBe("CONNECTION_FAILED");
			await recorded.client.close().catch(() => {});
		},
	);

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

describe("the URL asked over HTTP", () => {
	it("is the socket's, over http(s), with the host, the room and the token", () => {
		expect(askUrlFor("wss://rooms.example.com/rooms/a.b/ws?token=x")).toBe(
			"https://rooms.example.com/rooms/a.b/ws?token=x",
		);
		expect(askUrlFor("ws://127.0.0.1:8787/rooms/lobby/ws")).toBe("http://127.0.0.1:8787/rooms/lobby/ws");
	});
});
