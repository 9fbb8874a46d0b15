import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ServerFrame } from "../../src/protocol";
import { randomRoom } from "../support/client";
import { joinWithToken, roomStub } from "../workerd/connect";

const frame = (i: number) =>
	JSON.stringify({ eventType: "ClientEvent", event: "SendMessage", requestId: `f${i}`, requestData: { message: i } });

const replyTo = (frames: ServerFrame[], i: number) => frames.find((f) => f.requestId === `f${i}`);

describe("RATE_LIMIT (the default: 20 per second, bursts of 40)", () => {
	it("drops a flood with RATE_LIMITED, closes with 1008 after 100 dropped in a row, and others are unaffected", async () => {
		const room = randomRoom();
		const bob = await joinWithToken(room, "bob");
		const flooder = await joinWithToken(room, "mallory");
		await bob.next("UserJoined");
		const started = Date.now();
		const sent = 400;
		for (let i = 0; i < sent; i++) flooder.send(frame(i));
		const closed = await flooder.waitForClose();
		const elapsedMs = Date.now() - started;
		expect(closed.code).toBe(1008);

		const acks = flooder.received("MessageAck");
		const limited = flooder.received("Error").filter((f) => f.data.code === "RATE_LIMITED");
		// The burst less mallory's Register (an event too), plus whatever refilled since she connected:
		// with under 50 ms between her Register and the flood, no token has come back.
		expect(acks.length).toBeGreaterThanOrEqual(39);
		expect(acks.length).toBeLessThanOrEqual(40 + Math.ceil((elapsedMs * 20) / 1000) + 1);
		expect(limited.length).toBeGreaterThanOrEqual(100);
		// Every frame up to the close got exactly one reply, and none after it: the 100th drop closed it.
		const answered = acks.length + limited.length;
		for (let i = 0; i < answered; i++) {
			expect(
				flooder.frames.filter((f) => f.requestId === `f${i}`),
				`frame ${i}`,
			).toHaveLength(1);
		}
		expect(limited).toHaveLength(100);
		expect(replyTo(flooder.frames, answered - 1)?.event).toBe("Error");
		expect(replyTo(flooder.frames, answered)).toBeUndefined();
		expect(limited[0]?.data.message).toMatch(/20 events per second/);

		// Bob received exactly the acked messages, then heard the flooder leave.
		const delivered = await Promise.all(acks.map(() => bob.next("Message")));
		expect(delivered.map((m) => m.data.id)).toEqual(acks.map((a) => a.data.id));
		expect((await bob.next("UserLeft")).data).toMatchObject({ user: { userId: "mallory" }, reason: "close" });
		// And Bob still talks freely.
		expect(await bob.request("SendMessage", { message: "still here" })).toMatchObject({ event: "MessageAck" });
	});

	it("a burst within the allowance is never limited", async () => {
		const room = randomRoom();
		const client = await joinWithToken(room, "alice");
		for (let i = 0; i < 30; i++) client.send(frame(i));
		await client.next("MessageAck", (f) => f.requestId === "f29");
		expect(client.received("Error")).toHaveLength(0);
	});

	it("counts invalid frames and binary frames too", async () => {
		const room = randomRoom();
		const client = await joinWithToken(room, "alice");
		// 80, not just past the burst of 40: a room slowed by a busy machine refills 20 a second meanwhile.
		for (let i = 0; i < 80; i++) client.send(i % 2 ? "not json" : new Uint8Array([1, 2, 3]));
		client.send(frame(99));
		const reply = await client.waitFor((f) => f.requestId === "f99");
		expect(reply).toMatchObject({ event: "Error", data: { code: "RATE_LIMITED" } });
	});

	it("keeps the bucket across an eviction: an emptied bucket is not refilled by it", async () => {
		const room = randomRoom();
		const client = await joinWithToken(room, "alice");
		for (let i = 0; i < 45; i++) client.send(frame(i));
		await client.waitFor((f) => f.requestId === "f44");
		const drainedAt = Date.now();
		await evictDurableObject(roomStub(room));
		// A fresh bucket would admit 40 of these; the kept one only what refilled meanwhile.
		for (let i = 100; i < 141; i++) client.send(frame(i));
		await client.waitFor((f) => f.requestId === "f140");
		const refilled = Math.ceil(((Date.now() - drainedAt) * 20) / 1000) + 1;
		const admitted = client.received("MessageAck").filter((f) => Number(f.requestId?.slice(1)) >= 100);
		expect(admitted.length).toBeLessThanOrEqual(Math.min(refilled, 39));
	});
});
