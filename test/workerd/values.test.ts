/**
 * The contract's value rule (at most 64 levels, finite numbers) over the socket, and a room whose
 * storage already holds a value that breaks it: joins and resumes keep working without that row.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { expectRoomLogs } from "../support/expected-logs";
import { connect, join, roomStub, usersOf } from "./connect";
import { messagesPage, seqs } from "./history-helpers";

/** `levels` nested arrays around 0, as JSON text. */
const nested = (levels: number) => `${"[".repeat(levels)}0${"]".repeat(levels)}`;

/** A SendMessage frame whose requestData is written as raw JSON text (so that `1e309` stays as typed). */
const rawSend = (requestId: string, requestDataJson: string) =>
	`{"eventType":"ClientEvent","event":"SendMessage","requestId":"${requestId}","requestData":${requestDataJson}}`;

const rawRegister = (requestId: string, userId: string, metaJson: string) =>
	`{"eventType":"ClientEvent","event":"Register","requestId":"${requestId}","requestData":{"userId":"${userId}","meta":${metaJson}}}`;

async function userIds(room: string): Promise<string[]> {
	return (await usersOf(room)).map((user) => user.userId);
}

/** The room's stored rows, read straight from its table. */
async function storedSeqs(room: string): Promise<number[]> {
	return runInDurableObject(roomStub(room), (_, state) =>
		state.storage.sql
			.exec<{ seq: number }>("SELECT seq FROM messages ORDER BY seq")
			.toArray()
			.map((row) => row.seq),
	);
}

describe("values in messages and meta", () => {
	it.each([
		["a message nested 5,500 levels (the probe's lock-out)", `{"message":${nested(5500)}}`, "nests deeper than 64"],
		["a message nested 65 levels", `{"message":${nested(65)}}`, "nests deeper than 64"],
		["a message of 1e309", `{"message":1e309}`, "out of range"],
		["a message with -1e400 deep inside", `{"message":{"a":[1,{"b":-1e400}]}}`, "out of range"],
	])("refuses %s with BAD_REQUEST, stores nothing and tells nobody", async (_, requestData, problem) => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const bob = await join(room, "bob");
		alice.send(rawSend("deep", requestData));
		const reply = await alice.waitFor((frame) => frame.requestId === "deep");
		expect(reply).toMatchObject({ event: "Error", data: { code: "BAD_REQUEST" } });
		expect(reply.event === "Error" && reply.data.message).toContain(problem);
		await bob.settle();
		expect(bob.received("Message")).toEqual([]);
		expect(await storedSeqs(room)).toEqual([]);
		// The room still works and numbers the next message 1.
		const ack = await alice.request("SendMessage", { message: "after" });
		expect(ack).toMatchObject({ event: "MessageAck", data: { seq: 1 } });
	});

	it("accepts a message nested exactly 64 levels and delivers it unchanged, live and in history", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const bob = await join(room, "bob");
		alice.send(rawSend("edge", `{"message":${nested(64)}}`));
		expect(await alice.waitFor((frame) => frame.requestId === "edge")).toMatchObject({ event: "MessageAck" });
		const delivered = await bob.next("Message");
		expect(JSON.stringify(delivered.data.message)).toBe(nested(64));
		const carol = await join(room, "carol");
		expect(carol.frames.some((f) => f.event === "Registered" && f.data.history.length === 1)).toBe(true);
	});

	it.each([
		["nested 65 levels", `{"a":${nested(64)}}`],
		["nested 20,000 levels", `{"a":${nested(20_000)}}`],
		["holding 1e309", `{"score":1e309}`],
	])("refuses meta %s with BAD_REQUEST and leaves the roster as it was", async (_, metaJson) => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const bob = await join(room, "bob");
		await alice.next("UserJoined", (frame) => frame.data.user.userId === "bob");
		alice.send(rawRegister("meta", "alice", metaJson));
		expect(await alice.waitFor((frame) => frame.requestId === "meta")).toMatchObject({
			event: "Error",
			data: { code: "BAD_REQUEST" },
		});
		bob.send(rawRegister("meta2", "newcomer", metaJson));
		expect(await bob.waitFor((frame) => frame.requestId === "meta2")).toMatchObject({ event: "Error" });
		await alice.settle();
		await bob.settle();
		expect(alice.received("UserUpdated")).toEqual([]);
		expect(alice.pending("UserJoined")).toEqual([]);
		expect(bob.received("UserUpdated")).toEqual([]);
		expect(await userIds(room)).toEqual(["alice", "bob"]);
	});
});

describe("a stored row that breaks the value rule (written before the rule was enforced)", () => {
	/** Sends three messages, then rewrites the second one's body into a value no reply could carry. */
	async function roomWithPoisonedRow(body: string) {
		const room = randomRoom();
		const alice = await join(room, "alice");
		for (const text of ["one", "two", "three"]) await alice.request("SendMessage", { message: text });
		await runInDurableObject(roomStub(room), (_, state) => {
			state.storage.sql.exec("UPDATE messages SET body = ? WHERE seq = 2", body);
		});
		return { room, alice };
	}

	it.each([
		["nested 5,500 levels", nested(5500)],
		["nested 100,000 levels", nested(100_000)],
		["holding 1e309", "1e309"],
		["that is not JSON", "{broken"],
	])("a body %s is left out of join, resume and HTTP histories, and logged", async (_, body) => {
		const { room, alice } = await roomWithPoisonedRow(body);
		const leftOut = expectRoomLogs("warn", room, /^message 2 left out of a history: /);
		const bob = await join(room, "bob");
		const registered = bob.received("Registered")[0];
		expect(seqs(registered?.data.history ?? [])).toEqual([1, 3]);
		expect(registered?.data.historyTruncated).toBe(true);
		// The joiner was announced and is in the roster: a whole registration, not half of one.
		await alice.next("UserJoined", (frame) => frame.data.user.userId === "bob");
		expect(await userIds(room)).toEqual(["alice", "bob"]);

		const resumed = await bob.request("Register", { userId: "bob", since: 0 });
		expect(resumed.event === "Registered" && seqs(resumed.data.history)).toEqual([1, 3]);
		expect(seqs((await messagesPage(room)).messages)).toEqual([1, 3]);
		// Once for each history that left it out: the join's, the resume's and the HTTP page's.
		expect(leftOut).toHaveLength(3);
		// Later messages are numbered on from the stored ones.
		expect(await alice.request("SendMessage", { message: "four" })).toMatchObject({ data: { seq: 4 } });
	});

	it("a Register whose reply cannot be built is refused with INTERNAL and changes nothing", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		// A room with a message: a join reads the history (a quiet room's join reads nothing).
		await alice.request("SendMessage", { message: "one" });
		const rename = (from: string, to: string) =>
			runInDurableObject(roomStub(room), (_, state) => {
				state.storage.sql.exec(`ALTER TABLE ${from} RENAME TO ${to}`);
			});
		const bob = await connect(room);
		await rename("messages", "messages_away");
		const logged = expectRoomLogs("error", room, /^webSocketMessage failed: .*no such table: messages/);
		const refused = await bob.register("bob");
		expect(refused).toMatchObject({ event: "Error", data: { code: "INTERNAL" } });
		expect(JSON.stringify(refused)).not.toMatch(/messages|sqlite|at .*\.ts/i);
		expect(logged).toHaveLength(1);
		await alice.settle();
		expect(alice.pending()).toEqual([]);
		expect(await userIds(room)).toEqual(["alice"]);
		await rename("messages_away", "messages");
		// Not half-registered: the same socket registers as a newcomer, announced once.
		expect(await bob.register("bob")).toMatchObject({ event: "Registered" });
		await alice.next("UserJoined", (frame) => frame.data.user.userId === "bob");
		expect(await userIds(room)).toEqual(["alice", "bob"]);
	});
});
