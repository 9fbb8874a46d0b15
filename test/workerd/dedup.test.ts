import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { FrameOf } from "../support/client";
import { randomRoom } from "../support/client";
import { join, roomStub } from "./connect";

async function ack(reply: Promise<unknown>): Promise<FrameOf<"MessageAck">> {
	const frame = (await reply) as FrameOf<"MessageAck">;
	if (frame.event !== "MessageAck") throw new Error(`expected MessageAck, got ${JSON.stringify(frame)}`);
	return frame;
}

describe("idempotent resend (clientMessageId)", () => {
	it("answers a resend with the original ack plus duplicate, and delivers nothing again", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const bob = await join(room, "bob");
		const first = await ack(alice.request("SendMessage", { message: "hi", clientMessageId: "c-1" }));
		expect(first.data.duplicate).toBeUndefined();
		const again = await ack(alice.request("SendMessage", { message: "hi", clientMessageId: "c-1" }));
		expect(again.data).toEqual({ ...first.data, duplicate: true });
		// The duplicate's ack answers the resend's own request.
		expect(again.requestId).toBeDefined();
		expect(again.requestId).not.toBe(first.requestId);
		expect(alice.frames.filter((frame) => frame.requestId === again.requestId)).toHaveLength(1);

		await bob.settle();
		expect(bob.received("Message").map((m) => m.data.id)).toEqual([first.data.id]);
		// The room's seq did not move either: the next message follows the first.
		const next = await ack(alice.request("SendMessage", { message: "next" }));
		expect(next.data.seq).toBe(first.data.seq + 1);
	});

	it("is per user: another user's same clientMessageId is a new message", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const bob = await join(room, "bob");
		const fromAlice = await ack(alice.request("SendMessage", { message: "a", clientMessageId: "same" }));
		const fromBob = await ack(bob.request("SendMessage", { message: "b", clientMessageId: "same" }));
		expect(fromBob.data.duplicate).toBeUndefined();
		expect(fromBob.data.seq).toBe(fromAlice.data.seq + 1);
		expect((await alice.next("Message")).data.message).toBe("b");
	});

	it("recognises a resend from the user's other tab, and after a reconnect", async () => {
		const room = randomRoom();
		const tab1 = await join(room, "alice");
		const tab2 = await join(room, "alice");
		const bob = await join(room, "bob");
		const first = await ack(tab1.request("SendMessage", { message: "once", clientMessageId: "c-7" }));
		expect((await ack(tab2.request("SendMessage", { message: "once", clientMessageId: "c-7" }))).data).toEqual({
			...first.data,
			duplicate: true,
		});
		tab1.close();
		tab2.close();
		const reconnected = await join(room, "alice");
		const resent = await ack(reconnected.request("SendMessage", { message: "once", clientMessageId: "c-7" }));
		expect(resent.data).toEqual({ ...first.data, duplicate: true });
		await bob.settle();
		expect(bob.received("Message")).toHaveLength(1);
	});

	it("recognises a resend after the object was evicted", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const bob = await join(room, "bob");
		const first = await ack(alice.request("SendMessage", { message: "durable", clientMessageId: "c-9" }));
		await bob.next("Message");
		await evictDurableObject(roomStub(room));
		const resent = await ack(alice.request("SendMessage", { message: "durable", clientMessageId: "c-9" }));
		expect(resent.data).toEqual({ ...first.data, duplicate: true });
		await bob.settle();
		expect(bob.received("Message")).toHaveLength(1);
	});

	it("recognises a resent direct message even after its recipient left", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const bob = await join(room, "bob");
		const first = await ack(alice.request("SendMessage", { message: "psst", to: "bob", clientMessageId: "dm-1" }));
		await bob.next("Message");
		bob.close();
		await alice.next("UserLeft");
		const resent = await ack(alice.request("SendMessage", { message: "psst", to: "bob", clientMessageId: "dm-1" }));
		expect(resent.data).toEqual({ ...first.data, duplicate: true });
	});

	it("a message without clientMessageId is never a duplicate", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const a = await ack(alice.request("SendMessage", { message: "same" }));
		const b = await ack(alice.request("SendMessage", { message: "same" }));
		expect(b.data.duplicate).toBeUndefined();
		expect(b.data.seq).toBe(a.data.seq + 1);
	});
});
