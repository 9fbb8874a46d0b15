/**
 * (1.3) Answers to a shard's reports that are large: a Registered carries the room's history (the
 * last 50 messages, up to 64 KiB each), so one batch's replies can exceed what a storage row holds
 * (2 MB) and what a call should carry. The root answers a prefix of the batch (the shard sends the
 * rest as its next batch) and stores the replies in pieces, so a batch sent again gets them back.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ReportsAnswer, ShardReportBatch } from "../../src/room/shards/calls";
import { randomRoom } from "../support/client";
import { members, objectStub } from "./rooms";

const BIG = "x".repeat(60_000);

/** Fills the room's history: 50 messages of 60 KB, so that a Registered weighs about 3 MB. */
async function fillHistory(room: string): Promise<void> {
	const root = objectStub(room, 0);
	for (let index = 0; index < 50; index++) {
		const result = await root.publish(JSON.stringify(`${index}:${BIG}`), { userId: "server", name: "server" });
		expect(result).toMatchObject({ ok: true });
	}
}

interface ReportsStub {
	reports(shard: number, epoch: string, batch: ShardReportBatch): Promise<ReportsAnswer>;
}

const registration = (connectionId: string, requestId: string) => ({
	kind: "registered" as const,
	connectionId,
	request: { userId: connectionId },
	reply: { requestId },
});

describe("large answers to a shard's reports", () => {
	it("answers as much of a batch as fills one answer, and the same replies to the batch sent again", async () => {
		const room = randomRoom();
		await members(room, ["ann"]);
		await fillHistory(room);
		const root = objectStub(room, 0) as unknown as ReportsStub;
		const batch: ShardReportBatch = {
			channel: "test-channel",
			number: 1,
			reports: ["p1", "p2", "p3", "p4"].map((id) => registration(id, `r-${id}`)),
		};
		const answer = await root.reports(1, "test-epoch", batch);
		// 3 MB + 3 MB crosses the 4 MiB an answer carries: two applied, the others for the next batch.
		expect(answer.replies).toHaveLength(2);
		const registered = answer.replies.map((reply) => JSON.parse(reply.frames[0] as string));
		expect(registered.map((frame) => [frame.event, frame.requestId, frame.data.history.length])).toEqual([
			["Registered", "r-p1", 50],
			["Registered", "r-p2", 50],
		]);
		// The answer was lost: the same number gets the stored replies (over 2 MB, kept in pieces).
		const again = await root.reports(1, "test-epoch", batch);
		expect(again).toEqual(answer);
		// Cloudflare's storage holds at most 2 MB a row (the local runtime more): every piece is below.
		const pieces = await runInDurableObject(objectStub(room, 0), (_, state) =>
			state.storage.sql
				.exec<{ n: number; longest: number }>(
					"SELECT COUNT(*) AS n, MAX(LENGTH(text)) AS longest FROM shard_report_replies",
				)
				.one(),
		);
		expect(pieces.n).toBeGreaterThan(1);
		expect(pieces.longest * 3).toBeLessThan(2_000_000);
		// The rest, as the next number, is applied then.
		const rest = await root.reports(1, "test-epoch", { ...batch, number: 2, reports: batch.reports.slice(2) });
		expect(rest.replies.map((reply) => JSON.parse(reply.frames[0] as string).requestId)).toEqual(["r-p3", "r-p4"]);
	});

	it("brings a shard's client every reply of requests that make large answers, in order", async () => {
		const room = randomRoom();
		const [, , carl] = await members(room, ["ann", "bob", "carl"]);
		if (!carl) throw new Error("no third member");
		expect(carl.shard).toBe(1);
		await fillHistory(room);
		// Sent at once: what waits behind the first call goes in one batch, larger than one answer.
		const asked = ["Unregister", "Register", "Unregister", "Register", "Unregister", "Register"] as const;
		const answers = await Promise.all(
			asked.map((event) => carl.client.request(event, event === "Register" ? { userId: "carl" } : {})),
		);
		expect(answers.map((frame) => frame.event)).toEqual([
			"Unregistered",
			"Registered",
			"Unregistered",
			"Registered",
			"Unregistered",
			"Registered",
		]);
		const histories = answers.filter((frame) => frame.event === "Registered").map((frame) => frame.data.history);
		expect(histories.map((history) => history.length)).toEqual([50, 50, 50]);
	});
});
