/**
 * End to end: resume after an abrupt disconnect, against the real `wrangler dev`. The client
 * comes back with the last seq it saw and, from history plus the live stream, gets every
 * message it missed exactly once, in order, even while others keep talking.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Message } from "../../src/protocol";
import { randomRoom } from "../support/client";
import { closeAll, connect, expectReply, get, join, WAIT_MS } from "./clients";

afterEach(closeAll);

describe("history and resume", () => {
	it("a client cut off abruptly reconnects with since and receives exactly the missed messages, in order", async () => {
		const room = randomRoom();
		const { client: carol } = await join(room, "carol");
		const { client: dave } = await join(room, "dave");
		let { client: alice } = await join(room, "alice");

		// Alice sees the first three.
		for (let i = 1; i <= 3; i++) await expectReply(carol, "SendMessage", { message: `c${i}` }, "MessageAck");
		const seen: Message[] = [];
		for (let i = 0; i < 3; i++) seen.push((await alice.next("Message", undefined, WAIT_MS)).data);
		const lastSeen = seen.at(-1)?.seq ?? 0;

		// Her link dies without a close handshake; the others keep talking.
		alice.ws.terminate();
		for (let i = 1; i <= 4; i++) {
			await expectReply(i % 2 ? carol : dave, "SendMessage", { message: `away${i}` }, "MessageAck");
		}

		// She comes back while Carol is still sending: history and the live stream must join up.
		// Carol's sends go out unawaited, right next to the Register, so they land on both sides of it.
		alice = await connect(room);
		const talking = Promise.all(
			[1, 2, 3, 4, 5].map((i) => expectReply(carol, "SendMessage", { message: `live${i}` }, "MessageAck")),
		);
		const back = await expectReply(alice, "Register", { userId: "alice", since: lastSeen }, "Registered");
		await talking;
		const lastSeq = 3 + 4 + 5;
		const live: Message[] = [];
		const liveCount = lastSeq - back.data.lastSeq;
		for (let i = 0; i < liveCount; i++) live.push((await alice.next("Message", undefined, WAIT_MS)).data);

		const resumed = [...back.data.history, ...live];
		expect(back.data.historyTruncated).toBe(false);
		expect(resumed.map((m) => m.seq)).toEqual(Array.from({ length: lastSeq - lastSeen }, (_, i) => lastSeen + 1 + i));
		expect(resumed.map((m) => m.message)).toEqual([
			"away1",
			"away2",
			"away3",
			"away4",
			"live1",
			"live2",
			"live3",
			"live4",
			"live5",
		]);
		// Nothing more is on its way: a barrier shows no extra Message.
		await alice.settle(WAIT_MS);
		expect(alice.pending("Message")).toHaveLength(0);
	});

	it("serves the public history over HTTP, and resends are not stored twice", async () => {
		const room = randomRoom();
		const { client: alice } = await join(room, "alice");
		const first = await expectReply(alice, "SendMessage", { message: "one", clientMessageId: "k1" }, "MessageAck");
		const resent = await expectReply(alice, "SendMessage", { message: "one", clientMessageId: "k1" }, "MessageAck");
		expect(resent.data).toEqual({ ...first.data, duplicate: true });
		const response = await get(`/rooms/${room}/messages?since=0&limit=10`);
		expect(response.status).toBe(200);
		const page = (await response.json()) as { room: string; messages: Message[]; lastSeq: number };
		expect(page.room).toBe(room);
		expect(page.lastSeq).toBe(1);
		expect(page.messages.map((m) => [m.seq, m.message])).toEqual([[1, "one"]]);
		expect((await get(`/rooms/${room}/messages?limit=0`)).status).toBe(400);
	});
});
