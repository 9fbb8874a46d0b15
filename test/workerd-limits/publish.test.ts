import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Message } from "../../src/protocol";
import { randomRoom } from "../support/client";
import { TEST_PUBLISH_KEY } from "../support/pinned-vars";
import { roomToken } from "../support/tokens";
import { connect, joinWithToken, roomUrl, serverPost } from "../workerd/connect";

const publish = (room: string, body: unknown, authorization?: string | null) =>
	serverPost(room, "messages", body, authorization);

describe("server publish (PUBLISH_KEY set)", () => {
	it("answers 201 {id, seq, sentAt} and delivers a Message from system to every registered connection", async () => {
		const room = randomRoom();
		const alice = await joinWithToken(room, "alice");
		const lurker = await connect(room, { query: { token: await roomToken({ sub: "lurker" }) } });
		const response = await publish(room, { message: { alert: "deploy at 5" } });
		expect(response.status).toBe(201);
		const ack = await response.json<{ id: string; seq: number; sentAt: number }>();
		expect(ack).toEqual({ id: expect.any(String), seq: 1, sentAt: expect.any(Number) });
		const delivered = await alice.next("Message");
		expect(delivered.data).toEqual({
			id: ack.id,
			seq: 1,
			from: { userId: "system", name: "system" },
			message: { alert: "deploy at 5" },
			sentAt: ack.sentAt,
		});
		await lurker.settle();
		expect(lurker.received("Message")).toHaveLength(0);
	});

	it("is stored like any other message: in the history and the seq", async () => {
		const room = randomRoom();
		const alice = await joinWithToken(room, "alice");
		await alice.request("SendMessage", { message: "first" });
		const response = await publish(room, { message: "second", from: { userId: "bot", name: "Build bot" } });
		expect(await response.json()).toMatchObject({ seq: 2 });
		const token = await roomToken({ sub: "reader" });
		const page = await exports.default
			.fetch(`${roomUrl(room, "messages")}?token=${token}`)
			.then((r) => r.json<{ messages: Message[] }>());
		expect(page.messages.map((m) => [m.seq, m.from.name, m.message])).toEqual([
			[1, "alice", "first"],
			[2, "Build bot", "second"],
		]);
	});

	it("delivers to the `to` user's connections only, and answers an absent user with 404", async () => {
		const room = randomRoom();
		const alice = await joinWithToken(room, "alice");
		const bob = await joinWithToken(room, "bob");
		await alice.next("UserJoined");
		expect((await publish(room, { message: "psst", to: "bob" })).status).toBe(201);
		expect((await bob.next("Message")).data).toMatchObject({ message: "psst", to: "bob" });
		await alice.settle();
		expect(alice.received("Message")).toHaveLength(0);
		const absent = await publish(room, { message: "x", to: "nobody" });
		expect(absent.status).toBe(404);
		expect(await absent.json()).toMatchObject({ error: { code: "USER_NOT_FOUND" } });
	});

	it.each([
		["no Authorization header", null],
		["a wrong key", "Bearer not-the-key"],
		["the key with one character more", `Bearer ${TEST_PUBLISH_KEY}x`],
		["the key as Basic credentials", `Basic ${TEST_PUBLISH_KEY}`],
		["Bearer with no key", "Bearer "],
	])("refuses %s with 401 UNAUTHORIZED and delivers nothing", async (_what, authorization) => {
		const room = randomRoom();
		const alice = await joinWithToken(room, "alice");
		const response = await publish(room, { message: "x" }, authorization);
		expect(response.status).toBe(401);
		expect(await response.json()).toMatchObject({ error: { code: "UNAUTHORIZED" } });
		await alice.settle();
		expect(alice.received("Message")).toHaveLength(0);
	});

	it.each([
		["not JSON", "{nope"],
		["not an object", "[1,2]"],
		["without message", { to: "alice" }],
		["with an unknown field", { message: 1, colour: "red" }],
		["with a from without userId", { message: 1, from: { name: "x" } }],
		["with a to that is not a string", { message: 1, to: 5 }],
	])("refuses a body %s with 400 BAD_REQUEST", async (_what, body) => {
		const response = await publish(randomRoom(), body);
		expect(response.status).toBe(400);
		expect(await response.json()).toMatchObject({ error: { code: "BAD_REQUEST" } });
	});

	it.each([
		["nested 65 levels", `{"message":${"[".repeat(65)}${"]".repeat(65)}}`, "nests deeper than 64"],
		["nested 2,000 levels (within the size limit)", `{"message":${"[".repeat(2000)}${"]".repeat(2000)}}`, "nests"],
		["holding 1e309", `{"message":{"n":1e309}}`, "out of range"],
	])("refuses a message %s with 400 BAD_REQUEST, and stores and delivers nothing", async (_, body, problem) => {
		const room = randomRoom();
		const alice = await joinWithToken(room, "alice");
		const response = await publish(room, body);
		expect(response.status).toBe(400);
		const refusal = await response.json<{ error: { code: string; message: string } }>();
		expect(refusal.error.code).toBe("BAD_REQUEST");
		expect(refusal.error.message).toContain(problem);
		const ack = await alice.request("SendMessage", { message: "next" });
		expect(ack).toMatchObject({ event: "MessageAck", data: { seq: 1 } });
		expect(alice.received("Message")).toEqual([]);
	});

	it("refuses a body that is not UTF-8 with 400, rather than delivering replaced characters", async () => {
		const bytes = new Uint8Array([
			...new TextEncoder().encode('{"message":"'),
			0xff,
			0xfe,
			...new TextEncoder().encode('"}'),
		]);
		const response = await exports.default.fetch(roomUrl(randomRoom(), "messages"), {
			method: "POST",
			headers: { Authorization: `Bearer ${TEST_PUBLISH_KEY}` },
			body: bytes,
		});
		expect(response.status).toBe(400);
		expect(await response.json()).toMatchObject({ error: { code: "BAD_REQUEST", message: "body is not valid UTF-8" } });
	});

	it("counts a streamed body without Content-Length as it arrives: 413 past the limit", async () => {
		const chunk = new TextEncoder().encode("x".repeat(1000));
		let sent = 0;
		const body = new ReadableStream<Uint8Array>({
			pull(controller) {
				if (sent++ < 10) controller.enqueue(chunk);
				else controller.close();
			},
		});
		const response = await exports.default.fetch(roomUrl(randomRoom(), "messages"), {
			method: "POST",
			headers: { Authorization: `Bearer ${TEST_PUBLISH_KEY}` },
			body,
		});
		expect(response.status).toBe(413);
	});

	it("refuses a body over MAX_MESSAGE_BYTES (4096 here) with 413, counted in UTF-8 bytes", async () => {
		const room = randomRoom();
		const ascii = await publish(room, { message: "x".repeat(5000) });
		expect(ascii.status).toBe(413);
		expect(await ascii.json()).toMatchObject({ error: { code: "MESSAGE_TOO_LARGE" } });
		// 1500 characters, but 4500 bytes.
		expect((await publish(room, { message: "€".repeat(1500) })).status).toBe(413);
		expect((await publish(room, { message: "x".repeat(4000) })).status).toBe(201);
	});
});
