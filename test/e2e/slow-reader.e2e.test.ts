/**
 * End to end, a peer that stops reading (its TCP socket paused, as a stuck tab or a hostile
 * client would) while the room keeps sending to it: once more than MAX_BUFFERED_BYTES (1 MiB)
 * wait for it in the room it is closed with 4001 and leaves with reason `close`. Payloads are
 * random, so that compression cannot make them small.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { CloseCodes } from "../../src/protocol";
import { type FrameOf, randomRoom } from "../support/client";
import { closeAll, type E2EClient, join, usersOf, WAIT_MS } from "./clients";

afterEach(closeAll);

/** Random payloads do not compress: deflating them would only cost both ends CPU. */
const PLAIN = { compression: false };

/** A client frame of about 60 KB: within the default 64 KiB MAX_MESSAGE_BYTES. */
function largeMessage(extra: Record<string, unknown> = {}): string {
	return JSON.stringify({
		eventType: "ClientEvent",
		event: "SendMessage",
		requestId: randomUUID(),
		requestData: { message: randomBytes(45_000).toString("base64"), ...extra },
	});
}

/** The TCP socket under a `ws` client: pausing it stops reading while sending still works. */
function tcp(client: E2EClient): Socket {
	return (client.ws as unknown as { _socket: Socket })._socket;
}

/**
 * Each sender sends 36 large messages at once, then one every 60 ms (the default rate limit
 * is 20 a second with bursts of 40, one of them spent on Register), until `done` settles or
 * `timeoutMs` passes.
 */
async function floodUntil<T>(senders: E2EClient[], done: Promise<T>, timeoutMs = 30_000): Promise<T> {
	let over = false;
	const pump = async () => {
		// A steady flood (four senders, one message each per 60 ms, about 4 MB a second): a peer that
		// reads keeps up even on a loaded machine, one that does not passes the bound within seconds.
		for (const sender of senders) for (let i = 0; i < 8; i++) sender.send(largeMessage());
		const deadline = Date.now() + timeoutMs;
		while (!over && Date.now() < deadline) {
			await new Promise((tick) => setTimeout(tick, 60));
			if (!over) for (const sender of senders) sender.send(largeMessage());
		}
	};
	const pumping = pump();
	try {
		return await done;
	} finally {
		over = true;
		await pumping;
	}
}

function leftOf(client: E2EClient, userId: string, timeoutMs = WAIT_MS) {
	return client.next("UserLeft", (frame) => frame.data.user.userId === userId, timeoutMs);
}

function seqsOf(frames: readonly FrameOf<"Message">[]): Set<number> {
	return new Set(frames.map((frame) => frame.data.seq));
}

describe("a peer that does not read", () => {
	it("is closed with 4001 once more than MAX_BUFFERED_BYTES of broadcasts wait for it; the others see it leave", async () => {
		const room = randomRoom();
		const { client: slow } = await join(room, "slow", {}, PLAIN);
		const { client: observer } = await join(room, "observer", {}, PLAIN);
		const senders: E2EClient[] = [];
		for (let i = 0; i < 4; i++) senders.push((await join(room, `sender-${i}`, {}, PLAIN)).client);
		await observer.settle(WAIT_MS);
		await slow.settle(WAIT_MS);
		tcp(slow).pause();

		const left = await floodUntil(senders, leftOf(observer, "slow", 30_000));
		expect(left.data).toMatchObject({ user: { userId: "slow", connections: 0 }, reason: "close" });
		for (const sender of senders) expect((await leftOf(sender, "slow")).data.reason).toBe("close");

		// Reading again, the peer gets what waited for it, then the close: 4001, "too slow".
		tcp(slow).resume();
		expect(await slow.waitForClose(WAIT_MS)).toEqual({ code: CloseCodes.tooSlow, reason: "too slow" });

		// Nothing broadcast after its leave reached it, and it never heard of its own leave: one more
		// message after the leave makes that check hold something whatever the flood's timing.
		const after = await senders[0]?.request("SendMessage", { message: "after the leave" }, WAIT_MS);
		expect(after?.event).toBe("MessageAck");
		await observer.next("Message", (frame) => frame.data.message === "after the leave", WAIT_MS);
		await observer.settle(WAIT_MS);
		const afterLeave = observer.frames.slice(observer.frames.indexOf(left) + 1);
		const sentAfter = seqsOf(afterLeave.filter((frame): frame is FrameOf<"Message"> => frame.event === "Message"));
		expect(sentAfter.size).toBeGreaterThan(0);
		const reachedSlow = seqsOf(slow.received("Message"));
		expect([...sentAfter].filter((seq) => reachedSlow.has(seq))).toEqual([]);
		expect(reachedSlow.size).toBeLessThan(observer.received("Message").length);
		expect(slow.received("UserLeft")).toEqual([]);

		// The readers are untouched: still open, still in the room, the slow peer alone gone.
		expect(observer.closeEvent).toBeUndefined();
		for (const sender of senders) expect(sender.closeEvent).toBeUndefined();
		expect(observer.received("UserLeft")).toHaveLength(1);
		const users = (await usersOf(room)).map((user) => user.userId);
		expect(users).not.toContain("slow");
		expect(users).toHaveLength(5);
	});

	it("is closed with 4001 when it keeps asking for large replies it does not read", async () => {
		const room = randomRoom();
		const { client: slow } = await join(room, "slow", {}, PLAIN);
		const { client: observer } = await join(room, "observer", {}, PLAIN);
		// A full resume history: 100 messages of about 60 KB, so one Registered with `since` is about 6 MB.
		const senders: E2EClient[] = [];
		for (let i = 0; i < 4; i++) senders.push((await join(room, `sender-${i}`, {}, PLAIN)).client);
		const acks = senders.flatMap((sender) =>
			Array.from({ length: 25 }, () => {
				const frame = JSON.parse(largeMessage()) as { requestData: unknown };
				return sender.request("SendMessage", frame.requestData, WAIT_MS);
			}),
		);
		for (const ack of await Promise.all(acks)) expect(ack.event).toBe("MessageAck");
		await slow.settle(WAIT_MS);
		expect(slow.received("Message")).toHaveLength(100);
		tcp(slow).pause();

		// Re-registering as itself with `since: 0` asks for the whole history again each time.
		let asked = 0;
		const left = leftOf(observer, "slow", 30_000);
		let gone = false;
		left.then(
			() => {
				gone = true;
			},
			() => {},
		);
		while (!gone && asked < 20) {
			slow.send({
				eventType: "ClientEvent",
				event: "Register",
				requestId: `again-${++asked}`,
				requestData: { userId: "slow", since: 0 },
			});
			await Promise.race([left, new Promise((tick) => setTimeout(tick, 150))]);
		}
		expect((await left).data).toMatchObject({ user: { userId: "slow" }, reason: "close" });

		tcp(slow).resume();
		expect(await slow.waitForClose(WAIT_MS)).toEqual({ code: CloseCodes.tooSlow, reason: "too slow" });
		// The request that found it over the bound, and any after, got no reply.
		const answered = slow.frames.filter((frame) => frame.requestId?.startsWith("again-"));
		expect(answered.every((frame) => frame.event === "Registered")).toBe(true);
		expect(answered.length).toBeLessThan(asked);
		expect(answered.length).toBeGreaterThan(0);
		for (const sender of senders) expect((await leftOf(sender, "slow")).data.reason).toBe("close");
		expect(observer.closeEvent).toBeUndefined();
	});
});
