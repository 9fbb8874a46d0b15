import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { join } from "./connect";
import { getMessages, messagesPage, range, sendMany, seqs } from "./history-helpers";

describe("GET /rooms/:room/messages", () => {
	it("answers an empty room with no messages and lastSeq 0", async () => {
		const room = randomRoom();
		expect(await messagesPage(room)).toEqual({ room, messages: [], lastSeq: 0 });
	});

	it("pages through the history oldest first: since and limit, with lastSeq", async () => {
		const room = randomRoom();
		await sendMany(await join(room, "alice", { name: "Alice" }), 12);
		const first = await messagesPage(room, "?limit=5");
		expect(first.room).toBe(room);
		expect(first.lastSeq).toBe(12);
		expect(seqs(first.messages)).toEqual([1, 2, 3, 4, 5]);
		expect(first.messages[0]).toEqual({
			id: expect.any(String),
			seq: 1,
			from: { userId: "alice", name: "Alice" },
			message: "m-0",
			sentAt: expect.any(Number),
		});
		const second = await messagesPage(room, "?since=5&limit=5");
		expect(seqs(second.messages)).toEqual([6, 7, 8, 9, 10]);
		const last = await messagesPage(room, "?since=10&limit=5");
		expect(seqs(last.messages)).toEqual([11, 12]);
		expect(await messagesPage(room, "?since=12")).toMatchObject({ messages: [], lastSeq: 12 });
		expect(await messagesPage(room, "?since=99")).toMatchObject({ messages: [], lastSeq: 12 });
	});

	it("returns at most 100 by default and at most 500 when asked", async () => {
		const room = randomRoom();
		await sendMany(await join(room, "alice"), 110);
		expect(seqs((await messagesPage(room)).messages)).toEqual(range(1, 100));
		// HISTORY_LIMIT is 120 in these tests, so 110 are all there.
		expect(seqs((await messagesPage(room, "?limit=500")).messages)).toEqual(range(1, 110));
		expect(seqs((await messagesPage(room, "?since=0&limit=1")).messages)).toEqual([1]);
	});

	it.each([
		["since=-1", "since"],
		["since=1.5", "since"],
		["since=abc", "since"],
		["since=", "since"],
		["since=1e3", "since"],
		["since=99999999999999999", "since"],
		["limit=0", "limit"],
		["limit=501", "limit"],
		["limit=-5", "limit"],
		["limit=ten", "limit"],
		["limit=2.5", "limit"],
		["limit=", "limit"],
	])("answers ?%s with 400 BAD_REQUEST naming %s", async (query, field) => {
		const room = randomRoom();
		const response = await getMessages(room, `?${query}`);
		expect(response.status).toBe(400);
		const body = await response.json<{ error: { code: string; message: string } }>();
		expect(body.error.code).toBe("BAD_REQUEST");
		expect(body.error.message).toContain(field);
	});

	it("checks the room name first", async () => {
		const response = await getMessages("-bad", "?since=-1");
		expect(response.status).toBe(400);
		expect((await response.json<{ error: { code: string } }>()).error.code).toBe("BAD_ROOM");
	});
});

describe("a Message's fields", () => {
	it("come in the contract's order live, in a Register's history and over HTTP", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const bob = await join(room, "bob");
		await alice.request("SendMessage", { message: "to all" });
		await alice.request("SendMessage", { message: "to bob", to: "bob" });
		const live = [await bob.next("Message"), await bob.next("Message")].map((f) => Object.keys(f.data));
		const order = ["id", "seq", "from", "message", "sentAt"];
		expect(live).toEqual([order, [...order, "to"]]);
		const late = await join(room, "bob");
		const history = late.received("Registered")[0]?.data.history ?? [];
		expect(history.map((m) => Object.keys(m))).toEqual([order, [...order, "to"]]);
		expect((await messagesPage(room)).messages.map((m) => Object.keys(m))).toEqual([order]);
	});
});
