/**
 * ROOM_DELIVERY_RATE at 40 deliveries a second, in a room of 5: what every member together may
 * make the room send. Time is the injected clock's: each test starts from a full bucket.
 */
import { describe, expect, it } from "vitest";
import type { ServerFrame } from "../../src/protocol";
import { randomRoom } from "../support/client";
import { passTime } from "../workerd/clock";
import { type ConnectedClient, join, usersOf } from "../workerd/connect";

const RATE = 40;

/**
 * A sender and three readers, all registered (the readers in batched frames if `batch`), and a
 * full bucket (joins cost deliveries too).
 */
async function roomOfFour(batch = false) {
	const room = randomRoom();
	const sender = await join(room, "sender", { presence: "count" });
	const readers = [];
	for (const name of ["ann", "ben", "cat"]) readers.push(await join(room, name, { presence: "count", batch }));
	passTime(1000);
	return { room, sender, readers };
}

let burst = 0;

/** Sends `count` client events at once, each with a requestId; answers the requestIds refused RATE_LIMITED. */
async function sendBurst(client: ConnectedClient, event: string, data: (n: number) => unknown, count: number) {
	const prefix = `b${++burst}-`;
	for (let n = 0; n < count; n++) {
		client.send({ eventType: "ClientEvent", event, requestId: `${prefix}${n}`, requestData: data(n) });
	}
	// Frames are handled in order: a reply to the next request means the burst has been handled.
	expect((await client.request("UpdateUser", {})).data).toMatchObject({ code: "BAD_REQUEST" });
	const refused = client.frames.filter(
		(frame: ServerFrame) => frame.requestId?.startsWith(prefix) && frame.event === "Error",
	);
	for (const frame of refused) expect(frame.data).toMatchObject({ code: "RATE_LIMITED" });
	return new Set(refused.map((frame) => Number(frame.requestId?.slice(prefix.length))));
}

const signalValues = (client: ConnectedClient) => client.received("Signal").map((frame) => frame.data.signal);

describe("a room over its delivery budget", () => {
	// Batched frames change nothing here: an event to one connection is one delivery, in a batch or not.
	it.each([
		["one event a frame", false],
		["batched frames", true],
	])(
		"refuses signals once half a second's worth is left, and a refused signal reaches nobody (readers in %s)",
		async (_, batch) => {
			const { sender, readers } = await roomOfFour(batch);
			const startedAt = Date.now();
			const refused = await sendBurst(sender, "Signal", (n) => ({ signal: { n } }), 20);
			// 3 deliveries each: past the first half of the bucket only what refilled while the burst ran.
			const refilled = (RATE * (Date.now() - startedAt)) / 1000;
			expect(refused.size).toBeGreaterThan(0);
			expect((20 - refused.size) * 3).toBeLessThanOrEqual(RATE / 2 + 3 + refilled);
			const admitted = [...Array(20).keys()].filter((n) => !refused.has(n)).map((n) => ({ n }));
			for (const reader of readers) {
				await reader.settle();
				expect(signalValues(reader)).toEqual(admitted);
			}
			expect(sender.closeEvent).toBeUndefined();
		},
	);

	it("keeps the reserve for messages: a message goes while signals are refused, until the bucket is empty", async () => {
		const { sender, readers } = await roomOfFour();
		expect((await sendBurst(sender, "Signal", (n) => ({ signal: n }), 20)).size).toBeGreaterThan(0);
		const ack = await sender.request("SendMessage", { message: "still heard" });
		expect(ack.event).toBe("MessageAck");
		for (const reader of readers) expect((await reader.next("Message")).data.message).toBe("still heard");

		const refused = await sendBurst(sender, "SendMessage", (n) => ({ message: n }), 30);
		expect(refused.size).toBeGreaterThan(0);
		const acked = sender.frames.filter((frame) => frame.event === "MessageAck").length;
		for (const reader of readers) {
			await reader.settle();
			expect(reader.received("Message").map((frame) => frame.data.message)).toEqual([
				"still heard",
				...[...Array(30).keys()].filter((n) => !refused.has(n)),
			]);
		}
		expect(acked).toBe(1 + 30 - refused.size);
	});

	it("charges a repeated Register its roster: refused below the reserve, and the roster stays as it was", async () => {
		const { room, sender, readers } = await roomOfFour();
		const watcher = readers[0] as ConnectedClient;
		await watcher.register("ann", { presence: "events" });
		// Messages empty the bucket: a repeated Register is refused until half of it has refilled (0.5 s).
		await sendBurst(sender, "SendMessage", (n) => ({ message: n }), 20);
		const again = await sender.register("sender", { name: "Renamed" });
		expect(again.event).toBe("Error");
		expect(again.data).toMatchObject({ code: "RATE_LIMITED" });
		expect((await usersOf(room)).find((user) => user.userId === "sender")?.name).toBe("sender");
		await watcher.settle();
		expect(watcher.received("UserUpdated")).toEqual([]);
	});

	it("never closes a member for the room's refusals, and takes signals again once the budget refills", async () => {
		const { sender, readers } = await roomOfFour();
		// More refusals than the 100 in a row that close a connection over its own rate.
		const refused = await sendBurst(sender, "Signal", (n) => ({ signal: n }), 150);
		expect(refused.size).toBeGreaterThan(100);
		expect(sender.closeEvent).toBeUndefined();
		passTime(1000);
		expect((await sendBurst(sender, "Signal", () => ({ signal: "later" }), 1)).size).toBe(0);
		for (const reader of readers)
			expect((await reader.next("Signal", (f) => f.data.signal === "later")).event).toBe("Signal");
	});
});
