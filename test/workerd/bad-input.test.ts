import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { connect, join, roomUrl } from "./connect";

const frame = (event: unknown, requestData?: unknown, requestId: unknown = "bad-1") =>
	JSON.stringify({ eventType: "ClientEvent", event, requestId, ...(requestData === undefined ? {} : { requestData }) });

/** [what, raw frame, expected code, whether requestId "bad-1" is echoed] */
const badFrames: [string, string, string, boolean][] = [
	["not JSON", "{nope", "BAD_JSON", false],
	["an array", "[1,2]", "BAD_REQUEST", false],
	["null", "null", "BAD_REQUEST", false],
	["a number", "42", "BAD_REQUEST", false],
	["a JSON string", '"Register"', "BAD_REQUEST", false],
	[
		"a wrong eventType",
		JSON.stringify({ eventType: "ServerEvent", event: "Register", requestId: "bad-1", requestData: { userId: "x" } }),
		"BAD_REQUEST",
		true,
	],
	[
		"no eventType",
		JSON.stringify({ event: "Register", requestId: "bad-1", requestData: { userId: "x" } }),
		"BAD_REQUEST",
		true,
	],
	["a non-string event", frame(7, {}), "BAD_REQUEST", true],
	["an unknown event", frame("Explode", {}), "UNKNOWN_EVENT", true],
	["a requestId that is a number", frame("Register", { userId: "x" }, 5), "BAD_REQUEST", false],
	["a requestId over 64 characters", frame("Register", { userId: "x" }, "r".repeat(65)), "BAD_REQUEST", false],
	[
		"an unknown top-level field",
		JSON.stringify({ eventType: "ClientEvent", event: "Unregister", requestId: "bad-1", extra: 1 }),
		"BAD_REQUEST",
		true,
	],
	["requestData that is an array", frame("Register", ["alice"]), "BAD_REQUEST", true],
	["Register without userId", frame("Register", { name: "x" }), "BAD_REQUEST", true],
	["Register with an empty userId", frame("Register", { userId: "" }), "BAD_REQUEST", true],
	["Register with a 65-character userId", frame("Register", { userId: "u".repeat(65) }), "BAD_REQUEST", true],
	["Register with a numeric userId", frame("Register", { userId: 12 }), "BAD_REQUEST", true],
	["Register with an empty name", frame("Register", { userId: "x", name: "" }), "BAD_REQUEST", true],
	["Register with a 65-character name", frame("Register", { userId: "x", name: "n".repeat(65) }), "BAD_REQUEST", true],
	["Register with meta as an array", frame("Register", { userId: "x", meta: [1] }), "BAD_REQUEST", true],
	["Register with meta as a string", frame("Register", { userId: "x", meta: "m" }), "BAD_REQUEST", true],
	[
		"Register with meta over 1 KiB",
		frame("Register", { userId: "x", meta: { blob: "é".repeat(512) } }),
		"BAD_REQUEST",
		true,
	],
	["Register with an unknown field", frame("Register", { userId: "x", admin: true }), "BAD_REQUEST", true],
	["SendMessage without message", frame("SendMessage", { to: "x" }), "BAD_REQUEST", true],
	["SendMessage with an empty to", frame("SendMessage", { message: 1, to: "" }), "BAD_REQUEST", true],
	["SendMessage with a numeric to", frame("SendMessage", { message: 1, to: 3 }), "BAD_REQUEST", true],
	[
		"SendMessage with a 65-character clientMessageId",
		frame("SendMessage", { message: 1, clientMessageId: "c".repeat(65) }),
		"BAD_REQUEST",
		true,
	],
	["Unregister with fields", frame("Unregister", { userId: "x" }), "BAD_REQUEST", true],
];

describe("bad input", () => {
	it.each(badFrames)("answers %s with one Error and changes nothing", async (_, raw, code, echoes) => {
		const room = randomRoom();
		const watcher = await join(room, "watcher");
		const sender = await join(room, "sender");
		await watcher.next("UserJoined");
		sender.send(raw);
		const error = await sender.next("Error");
		expect(error.data).toEqual({ code, message: expect.any(String) });
		expect(error.data.message).not.toMatch(/\bat \w+ \(|\.ts:\d+/); // no stack trace
		if (echoes) expect(error.requestId).toBe("bad-1");
		else expect(error).not.toHaveProperty("requestId");

		// Still open, still registered as before, and nobody else heard a thing.
		const ack = await sender.request("SendMessage", { message: "after" });
		expect(ack.event).toBe("MessageAck");
		expect((await watcher.next("Message")).data.message).toBe("after");
		await watcher.settle();
		expect(watcher.pending()).toEqual([]);
		await sender.settle();
		expect(sender.pending()).toEqual([]);
		const users = (await (await exports.default.fetch(roomUrl(room, "users"))).json()) as {
			users: { userId: string }[];
		};
		expect(users.users.map((user) => user.userId)).toEqual(["watcher", "sender"]);
	});

	it("answers a binary frame with BAD_FRAME and keeps the connection open", async () => {
		const client = await join(randomRoom(), "alice");
		client.send(new Uint8Array([1, 2, 3]).buffer);
		const error = await client.next("Error");
		expect(error.data.code).toBe("BAD_FRAME");
		expect((await client.request("SendMessage", { message: "ok" })).event).toBe("MessageAck");
	});

	it("refuses a frame over 64 KiB with MESSAGE_TOO_LARGE and delivers nothing", async () => {
		const room = randomRoom();
		const watcher = await join(room, "watcher");
		const sender = await join(room, "sender");
		await watcher.next("UserJoined");
		const big = frame("SendMessage", { message: "x".repeat(65_536) });
		sender.send(big);
		const error = await sender.next("Error");
		expect(error).toMatchObject({ requestId: "bad-1", data: { code: "MESSAGE_TOO_LARGE" } });
		// Multi-byte text counts in bytes: 30,000 'é' fit (60,000 bytes), 40,000 do not (80,000 bytes).
		sender.send(frame("SendMessage", { message: "é".repeat(40_000) }, "bad-2"));
		expect((await sender.next("Error")).data.code).toBe("MESSAGE_TOO_LARGE");
		const fits = await sender.request("SendMessage", { message: "é".repeat(30_000) });
		expect(fits.event).toBe("MessageAck");
		const delivered = await watcher.next("Message");
		expect(delivered.data.message).toBe("é".repeat(30_000));
		await watcher.settle();
		expect(watcher.pending()).toEqual([]);
	});

	it("answers each of many bad frames exactly once, in order", async () => {
		const client = await connect(randomRoom());
		for (let i = 0; i < 20; i++) client.send(frame("Nope", {}, `n${i}`));
		for (let i = 0; i < 20; i++) expect((await client.next("Error")).requestId).toBe(`n${i}`);
		await client.settle();
		expect(client.pending()).toEqual([]);
	});
});
