/**
 * End to end (1.3): a crash of the whole server (kill -9 of `wrangler dev`'s process group) in
 * the middle of a stream into a room over several objects, and a restart on the same port and
 * state folder. 100 resuming clients in `batched` presence and three senders, one on the room's
 * first object and two on shards, reconnect with the client library's jitter and resume with
 * `since`: every acknowledged message is stored once and reaches every client once, nobody is
 * seen leaving or joining, and everyone is registered again within 10 s.
 */
import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RestartableWranglerDev } from "../../scripts/local-server/restartable-wrangler-dev.ts";
import { AckedSender } from "../../scripts/resuming-client/acked-sender.ts";
import { countFlicker, waitForEach } from "../../scripts/resuming-client/fleet.ts";
import { type DrillOptions, RestartDrill } from "../../scripts/resuming-client/restart-drill.ts";
import type { ResumingClient } from "../../scripts/resuming-client/resuming-client.ts";
import type { MessagesPage } from "../../src/protocol";
import { randomRoom } from "../support/client";
import { getJson, OBJECT_CONNECTIONS, startShardedServer, WAIT_MS } from "./shards/sharded-server";

/** `E2E_SHARDS_CLIENTS` runs it at another scale by hand (see OBJECT_CONNECTIONS). */
const CLIENTS = Number(process.env.E2E_SHARDS_CLIENTS ?? 100);
/** Each sender's stream: one message per interval while registered, this many in all. */
const MESSAGES_EACH = 20;
const SEND_EVERY_MS = 100;
/** The crash comes once this many are acknowledged (over all senders), with the rest still to send. */
const ACKED_BEFORE_CRASH = 15;
const RECOVERY_LIMIT_MS = 10_000;
const BACKOFF = { baseMs: 250, maxMs: 2_000 };

let server: RestartableWranglerDev | undefined;
let drill: RestartDrill | undefined;
const senders: AckedSender[] = [];

beforeAll(async () => {
	server = await startShardedServer("e2e-shards-restart");
}, 120_000);

afterAll(async () => {
	await Promise.allSettled([drill?.stop(), ...senders.map((sender) => sender.client.stop())]);
	await server?.stop();
}, 60_000);

describe("a crash and restart of a room over several objects", () => {
	it("is invisible: every acked message once in history and at every client, no flicker, all back within 10 s", async () => {
		if (!server) throw new Error("no server");
		const room = randomRoom("shards");
		const options: DrillOptions = {
			server,
			room,
			clients: CLIENTS,
			presence: "batched",
			backoff: BACKOFF,
			concurrency: Math.max(10, CLIENTS / 20),
			heartbeatMs: 20_000,
			connectTimeoutMs: 5_000,
			timeoutMs: WAIT_MS,
		};
		const url = `${server.wsOrigin}/rooms/${room}/ws`;
		const openSender = async (userId: string) => {
			const { presence, backoff, heartbeatMs, connectTimeoutMs } = options;
			const sender = new AckedSender({ url, userId, presence, backoff, heartbeatMs, connectTimeoutMs });
			senders.push(sender);
			sender.client.start();
			await waitForEach([sender.client], (c) => c.registered, WAIT_MS, `${userId} registered`);
		};
		// The first sender lands on the room's first object, the others after the fleet on shards.
		await openSender("sender-root");
		drill = await RestartDrill.open(options);
		await openSender("sender-shard-a");
		await openSender("sender-shard-b");
		const occupancy = await getJson<{ connectionCount: number; shards: number }>(
			server.origin,
			`/rooms/${room}/occupancy`,
		);
		expect(occupancy.connectionCount).toBe(CLIENTS + senders.length);
		expect(occupancy.shards).toBe(Math.ceil((CLIENTS + senders.length) / OBJECT_CONNECTIONS));
		const senderClients = senders.map((sender) => sender.client);
		const everyone: ResumingClient[] = [...drill.clients, ...senderClients];
		const members = everyone.length;
		await waitForEach(everyone, (c) => c.view.roster.size >= members, WAIT_MS, "full roster");

		// Each stream pauses while its sender is out of the room (its resends then stay in the rate limit).
		const streams = senders.map((sender) =>
			setInterval(() => {
				if (sender.client.registered && sender.messages.length < MESSAGES_EACH) sender.send();
			}, SEND_EVERY_MS),
		);
		const ackedOverall = () => senders.reduce((sum, sender) => sum + sender.acked.length, 0);
		try {
			await waitForEach(senderClients, () => ackedOverall() >= ACKED_BEFORE_CRASH, WAIT_MS, "acked before the crash");
			const before = new Map(senderClients.map((client) => [client, client.registrations]));
			for (const client of senderClients) client.view.watch(performance.now());
			const recovery = await drill.crashAndRecover();
			expect(recovery.recoveryMs, JSON.stringify(recovery)).toBeLessThanOrEqual(RECOVERY_LIMIT_MS);
			if (process.env.E2E_VERBOSE) console.log("recovery", recovery);
			await waitForEach(senderClients, (c) => c.registrations > (before.get(c) ?? 0), WAIT_MS, "senders back");
			await Promise.all(senders.map((sender) => sender.whenAcked(MESSAGES_EACH, WAIT_MS)));
		} finally {
			for (const stream of streams) clearInterval(stream);
		}

		// Every acknowledged message reaches every client once (live, or in its resume's history);
		// a sender's own messages may come back in its resume's history, and are not counted.
		const seqsOf = (sender: AckedSender) => sender.acked.map((message) => message.ack?.seq as number);
		const allSeqs = senders.flatMap(seqsOf).sort((a, b) => a - b);
		expect(new Set(allSeqs).size).toBe(senders.length * MESSAGES_EACH);
		const expectedAt = (client: ResumingClient) => senders.filter((sender) => sender.client !== client).flatMap(seqsOf);
		await waitForEach(
			everyone,
			(client) => expectedAt(client).every((seq) => client.view.seqCounts.has(seq)),
			WAIT_MS,
			"every message received",
		);
		for (const client of everyone) {
			const counts = expectedAt(client).map((seq) => client.view.seqCounts.get(seq));
			expect(
				counts.filter((times) => times !== 1),
				`${client.userId}: messages not seen exactly once`,
			).toEqual([]);
		}

		// The room stored each of them once.
		const page = await getJson<MessagesPage>(server.origin, `/rooms/${room}/messages?since=0&limit=500`);
		const stored = page.messages.map((message) => `${message.from.userId}#${(message.message as { n: number }).n}`);
		const sent = senders.flatMap((sender) => sender.messages.map((message) => `${sender.client.userId}#${message.n}`));
		expect(stored.sort()).toEqual(sent.sort());
		expect(page.messages.map((message) => message.seq)).toEqual(allSeqs);

		// Back over as many objects.
		const after = await getJson<{ userCount: number; shards: number }>(server.origin, `/rooms/${room}/occupancy`);
		expect(after.userCount).toBe(members);
		expect(after.shards).toBe(occupancy.shards);

		// Nobody saw anyone leave, join, or go missing from a roster; every roster is whole.
		expect(countFlicker(everyone)).toEqual({ leftAndBack: 0, joined: 0, missing: 0, total: 0, users: 0 });
		for (const client of everyone) expect(client.view.roster.size, client.userId).toBe(members);
		expect(everyone.flatMap((client) => client.errors)).toEqual([]);
	}, 90_000);
});
