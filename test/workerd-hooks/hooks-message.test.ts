/**
 * `onMessage` on every way a message comes in: a client's SendMessage, a backend's HTTP publish
 * and `getRoom().publish`. It keeps, replaces or refuses; a refused message is stored nowhere and
 * reaches nobody; a hook that fails refuses with INTERNAL, is logged, and the room goes on.
 */
import { describe, expect, it } from "vitest";
import { getRoom, RoomCallError } from "../../src/server";
import { randomRoom, type TestClient } from "../support/client";
import { capturedErrors, chatUrl, hooksEnv, joinAs, lines, request, serverPost } from "./helpers";
import { callsOf, Misbehave } from "./worker";

async function aliceAndBob(room: string) {
	const alice = await joinAs(room, "alice");
	const bob = await joinAs(room, "bob");
	await alice.next("UserJoined");
	return { alice, bob };
}

/** The room's stored messages, as GET /messages lists them. */
async function storedMessages(room: string): Promise<unknown[]> {
	const response = await request(chatUrl(room, "messages"), "reader");
	expect(response.status).toBe(200);
	const page = (await response.json()) as { messages: { message: unknown }[] };
	return page.messages.map((m) => m.message);
}

async function nothingDelivered(...clients: TestClient[]) {
	for (const client of clients) {
		await client.settle();
		expect(client.pending("Message")).toEqual([]);
	}
}

describe("onMessage for a client's SendMessage", () => {
	it("keeps a message it returns nothing for, and sees who sent it", async () => {
		const room = randomRoom();
		const { alice, bob } = await aliceAndBob(room);
		const ack = await alice.request("SendMessage", { message: "hello" });
		expect(ack.event).toBe("MessageAck");
		expect((await bob.next("Message")).data.message).toBe("hello");
		expect(callsOf(room)).toContain('message client alice "hello"');
	});

	it("stores and delivers the replacement it returns", async () => {
		const room = randomRoom();
		const { alice, bob } = await aliceAndBob(room);
		const ack = await alice.request("SendMessage", { message: { replace: { text: "***" } } });
		expect(ack.event).toBe("MessageAck");
		expect((await bob.next("Message")).data.message).toEqual({ text: "***" });
		expect(await storedMessages(room)).toEqual([{ text: "***" }]);
	});

	it("sees a direct message's recipient", async () => {
		const room = randomRoom();
		const { alice, bob } = await aliceAndBob(room);
		await alice.request("SendMessage", { message: "psst", to: "bob" });
		await bob.next("Message");
		expect(callsOf(room)).toContain('message client alice>bob "psst"');
	});

	it("refuses with the hook's code: the sender gets Error with its requestId, nobody gets anything, nothing is stored", async () => {
		const room = randomRoom();
		const { alice, bob } = await aliceAndBob(room);
		const other = await joinAs(room, "alice");
		const reply = await alice.request("SendMessage", { message: "a banned word", clientMessageId: "c1" });
		expect(reply).toMatchObject({
			event: "Error",
			requestId: expect.any(String),
			data: { code: "FORBIDDEN", message: "no banned words here" },
		});
		await nothingDelivered(bob, other);
		expect(await storedMessages(room)).toEqual([]);
		// Nothing was stored under its clientMessageId either: a clean resend is a new message.
		expect((await alice.request("SendMessage", { message: "fine", clientMessageId: "c1" })).event).toBe("MessageAck");
		expect((await bob.next("Message")).data).toMatchObject({ message: "fine", seq: 1 });
	});

	it.each([
		["throws", Misbehave.throws, "onMessage threw: Error: onMessage failed on purpose"],
		["returns a Promise", Misbehave.async, "onMessage returned a Promise: hooks must be synchronous"],
		[
			"replaces with a number out of range",
			Misbehave.infinite,
			"returned a replacement that holds a number out of range",
		],
		["replaces with more than MAX_MESSAGE_BYTES", Misbehave.huge, "returned a replacement larger than 4096 bytes"],
		["refuses with a code that is not one", Misbehave.unknownCode, 'refused with "NOPE", which is not an error code'],
		["returns something else", Misbehave.nothingKnown, "returned an object with neither message nor refuse"],
	])(
		"refuses with INTERNAL when the hook %s, logs it with the room's name, and the room goes on",
		async (_, message, logged) => {
			const room = randomRoom();
			const { alice, bob } = await aliceAndBob(room);
			const errors = capturedErrors();
			const reply = await alice.request("SendMessage", { message });
			expect(reply).toMatchObject({
				event: "Error",
				data: { code: "INTERNAL", message: "the room failed to handle this message" },
			});
			expect(JSON.stringify(reply)).not.toContain("on purpose");
			await nothingDelivered(bob);
			expect(lines(errors).some((line) => line.startsWith(`room "${room}": `) && line.includes(logged))).toBe(true);
			expect((await alice.request("SendMessage", { message: "still here" })).event).toBe("MessageAck");
			expect((await bob.next("Message")).data.message).toBe("still here");
		},
	);
});

describe("onMessage for a backend's HTTP publish", () => {
	it("sees it as the server's, and keeps, replaces or refuses it with the mapped status", async () => {
		const room = randomRoom();
		const { alice } = await aliceAndBob(room);
		expect((await serverPost(room, "messages", { message: "notice" })).status).toBe(201);
		expect(callsOf(room)).toContain('message server system "notice"');
		expect((await alice.next("Message")).data.message).toBe("notice");

		expect((await serverPost(room, "messages", { message: { replace: "masked" } })).status).toBe(201);
		expect((await alice.next("Message")).data.message).toBe("masked");

		const banned = await serverPost(room, "messages", { message: "banned", from: { userId: "ops" } });
		expect(banned.status).toBe(403);
		expect(await banned.json()).toEqual({ error: { code: "FORBIDDEN", message: "no banned words here" } });
		const bad = await serverPost(room, "messages", { message: { refuse: "BAD_REQUEST" } });
		expect(bad.status).toBe(400);
		expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("BAD_REQUEST");
		await nothingDelivered(alice);
		expect(await storedMessages(room)).toEqual(["notice", "masked"]);
	});

	it("answers 500 INTERNAL when the hook throws, and logs it", async () => {
		const room = randomRoom();
		const errors = capturedErrors();
		const response = await serverPost(room, "messages", { message: Misbehave.throws });
		expect(response.status).toBe(500);
		expect(await response.json()).toEqual({
			error: { code: "INTERNAL", message: "the room failed to handle this message" },
		});
		expect(lines(errors).some((line) => line.startsWith(`room "${room}": onMessage threw`))).toBe(true);
	});
});

describe("onMessage for getRoom().publish", () => {
	it("keeps, replaces, and refuses with a RoomCallError carrying the hook's code", async () => {
		const room = randomRoom();
		const { alice } = await aliceAndBob(room);
		const handle = getRoom(hooksEnv.ROOMS, room);
		await handle.publish("kept", { from: "backend" });
		expect((await alice.next("Message")).data).toMatchObject({ message: "kept", from: { userId: "backend" } });
		expect(callsOf(room)).toContain('message server backend "kept"');

		await handle.publish({ replace: [1, 2] });
		expect((await alice.next("Message")).data.message).toEqual([1, 2]);

		const refusal = await handle.publish("banned").catch((error: unknown) => error);
		expect(refusal).toBeInstanceOf(RoomCallError);
		expect(refusal).toMatchObject({ code: "FORBIDDEN", message: "no banned words here" });
		await nothingDelivered(alice);

		capturedErrors();
		await expect(handle.publish(Misbehave.async)).rejects.toMatchObject({ code: "INTERNAL" });
		expect(await storedMessages(room)).toEqual(["kept", [1, 2]]);
	});
});
