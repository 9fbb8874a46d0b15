/**
 * (1.3) Signals across a room's objects: relayed to every other registered connection (or the `to`
 * user's) wherever it is, never stored, and in the order the room received them with the sender's
 * messages.
 */
import { describe, expect, it } from "vitest";
import type { ServerFrame } from "../../src/protocol";
import { randomRoom, type TestClient } from "../support/client";
import { type Member, members, reached, send } from "./rooms";

const FIVE = ["ann", "bob", "cat", "dan", "eve"];

/** What a client heard of one sender, messages and signals alike, in order. */
function heardFrom(client: TestClient, userId: string): unknown[] {
	return client.frames
		.filter(
			(frame): frame is Extract<ServerFrame, { event: "Message" | "Signal" }> =>
				frame.event === "Message" || frame.event === "Signal",
		)
		.filter((frame) => frame.data.from.userId === userId)
		.map((frame) => (frame.event === "Message" ? frame.data.message : frame.data.signal));
}

function signal(client: TestClient, value: unknown, to?: string): void {
	client.send({
		eventType: "ClientEvent",
		event: "Signal",
		requestData: to === undefined ? { signal: value } : { signal: value, to },
	});
}

describe("signals across a room's objects", () => {
	it("reach every other member in order with the sender's messages, from any object", async () => {
		const room = randomRoom();
		const joined = await members(room, FIVE);
		for (const sender of [joined[4], joined[0], joined[2]] as Member[]) {
			const expected: string[] = [];
			for (let i = 0; i < 4; i++) {
				signal(sender.client, `${sender.userId}-s${i}`);
				expected.push(`${sender.userId}-s${i}`);
				await send(sender.client, `${sender.userId}-m${i}`);
				expected.push(`${sender.userId}-m${i}`);
			}
			signal(sender.client, `${sender.userId}-last`);
			expected.push(`${sender.userId}-last`);
			for (const member of joined) {
				if (member === sender) continue;
				await member.client.waitFor(
					(frame) => frame.event === "Signal" && frame.data.signal === `${sender.userId}-last`,
				);
				expect(heardFrom(member.client, sender.userId), `${member.userId} from ${sender.userId}`).toEqual(expected);
			}
			expect(heardFrom(sender.client, sender.userId)).toEqual([]);
		}
	});

	it("go to the `to` user's connections only", async () => {
		const room = randomRoom();
		const [ann, bob, cat, dan, eve] = (await members(room, FIVE)) as [Member, Member, Member, Member, Member];
		signal(eve.client, "psst", "dan");
		signal(ann.client, "hey", "eve");
		await dan.client.waitFor((frame) => frame.event === "Signal" && frame.data.signal === "psst");
		await eve.client.waitFor((frame) => frame.event === "Signal" && frame.data.signal === "hey");
		// A message behind them on every object: whoever has it would have had the signals by now.
		const barrier = await send(bob.client, "barrier");
		for (const member of [ann, cat, dan, eve]) await reached(member.client, barrier);
		for (const member of [ann, bob, cat]) expect(member.client.received("Signal"), member.userId).toEqual([]);
		expect(dan.client.received("Signal").map((frame) => frame.data.signal)).toEqual(["psst"]);
		expect(eve.client.received("Signal").map((frame) => frame.data.signal)).toEqual(["hey"]);
	});
});
