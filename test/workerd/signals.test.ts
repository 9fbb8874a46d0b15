/**
 * Signal: ephemeral events relayed to the room's registered connections (or one user's), never
 * stored: no seq, no history, no resume, no reply on success.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { connect, join, roomUrl } from "./connect";
import { messagesPage } from "./history-helpers";

const signalFrame = (requestId: string, requestData: string) =>
	`{"eventType":"ClientEvent","event":"Signal","requestId":"${requestId}","requestData":${requestData}}`;

async function threeUsers(room: string) {
	const alice = await join(room, "alice", { name: "Alice" });
	const bob = await join(room, "bob");
	const carol = await join(room, "carol");
	await alice.next("UserJoined", (f) => f.data.user.userId === "carol");
	await bob.next("UserJoined", (f) => f.data.user.userId === "carol");
	return { alice, bob, carol };
}

describe("Signal", () => {
	it("reaches every other registered connection, the sender's other tabs too, and not the sender", async () => {
		const room = randomRoom();
		const { alice, bob, carol } = await threeUsers(room);
		const aliceTab2 = await join(room, "alice", { name: "Alice" });
		const lurker = await connect(room);
		alice.send({
			eventType: "ClientEvent",
			event: "Signal",
			requestId: "s1",
			requestData: { signal: { typing: true } },
		});
		for (const client of [bob, carol, aliceTab2]) {
			const heard = await client.next("Signal");
			expect(heard.requestId).toBeUndefined();
			expect(heard.data).toEqual({
				from: { userId: "alice", name: "Alice" },
				signal: { typing: true },
				sentAt: expect.any(Number),
			});
		}
		await alice.settle();
		await lurker.settle();
		expect(alice.received("Signal")).toEqual([]);
		expect(alice.frames.filter((f) => f.requestId === "s1")).toEqual([]);
		expect(lurker.pending()).toEqual([]);
	});

	it("goes only to the `to` user's connections", async () => {
		const room = randomRoom();
		const { alice, bob, carol } = await threeUsers(room);
		await alice.request("SendMessage", { message: "before" });
		alice.send({ eventType: "ClientEvent", event: "Signal", requestData: { signal: "psst", to: "bob" } });
		expect((await bob.next("Signal")).data).toMatchObject({ signal: "psst", to: "bob" });
		await carol.settle();
		expect(carol.received("Signal")).toEqual([]);
	});

	it("is never stored: lastSeq, history and a resume are as if it had not been sent", async () => {
		const room = randomRoom();
		const { alice, bob } = await threeUsers(room);
		await alice.request("SendMessage", { message: "one" });
		for (let i = 0; i < 5; i++) alice.send({ eventType: "ClientEvent", event: "Signal", requestData: { signal: i } });
		await bob.next("Signal", (f) => f.data.signal === 4);
		const ack = await alice.request("SendMessage", { message: "two" });
		expect(ack).toMatchObject({ event: "MessageAck", data: { seq: 2 } });
		const page = await messagesPage(room);
		expect(page.lastSeq).toBe(2);
		expect(page.messages.map((m) => m.message)).toEqual(["one", "two"]);
		const resumed = await join(room, "dave", { since: 0 });
		const registered = resumed.received("Registered")[0];
		expect(registered?.data.history.map((m) => m.message)).toEqual(["one", "two"]);
		expect(resumed.received("Signal")).toEqual([]);
	});

	it("keeps one connection's messages and signals in the order the room received them", async () => {
		const room = randomRoom();
		const { alice, bob } = await threeUsers(room);
		for (let i = 0; i < 20; i++) {
			const kind = i % 3 === 0 ? "SendMessage" : "Signal";
			const requestData = kind === "SendMessage" ? { message: i } : { signal: i };
			alice.send({ eventType: "ClientEvent", event: kind, requestData });
		}
		await bob.next("Message", (f) => f.data.message === 18);
		await bob.settle();
		const order = bob.frames
			.filter((f) => f.event === "Message" || f.event === "Signal")
			.map((f) => (f.event === "Message" ? f.data.message : f.event === "Signal" ? f.data.signal : undefined));
		expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
	});

	it.each([
		["without signal", "{}", "BAD_REQUEST"],
		["with an unknown field", '{"signal":1,"loud":true}', "BAD_REQUEST"],
		["nested 65 levels", `{"signal":${"[".repeat(65)}${"]".repeat(65)}}`, "BAD_REQUEST"],
		["holding 1e309", '{"signal":{"x":1e309}}', "BAD_REQUEST"],
		["to an empty userId", '{"signal":1,"to":""}', "BAD_REQUEST"],
		["to a user who is not here", '{"signal":1,"to":"nobody"}', "USER_NOT_FOUND"],
		["over MAX_MESSAGE_BYTES", `{"signal":"${"x".repeat(70_000)}"}`, "MESSAGE_TOO_LARGE"],
	])("refuses a signal %s with its code, echoing requestId, and nobody hears it", async (_, requestData, code) => {
		const room = randomRoom();
		const { alice, bob } = await threeUsers(room);
		alice.send(signalFrame("bad", requestData));
		expect(await alice.waitFor((f) => f.requestId === "bad")).toMatchObject({ event: "Error", data: { code } });
		await bob.settle();
		expect(bob.received("Signal")).toEqual([]);
	});

	it("refuses a connection that is not registered with NOT_REGISTERED", async () => {
		const room = randomRoom();
		const { bob } = await threeUsers(room);
		const stranger = await connect(room);
		stranger.send(signalFrame("s", '{"signal":"hi"}'));
		expect(await stranger.waitFor((f) => f.requestId === "s")).toMatchObject({
			event: "Error",
			data: { code: "NOT_REGISTERED" },
		});
		await bob.settle();
		expect(bob.received("Signal")).toEqual([]);
	});

	it("has no server signal without PUBLISH_KEY: 403", async () => {
		const response = await exports.default.fetch(roomUrl(randomRoom(), "signals"), {
			method: "POST",
			headers: { Authorization: "Bearer anything" },
			body: JSON.stringify({ signal: 1 }),
		});
		expect(response.status).toBe(403);
		expect(await response.json()).toMatchObject({ error: { code: "FORBIDDEN" } });
	});
});
