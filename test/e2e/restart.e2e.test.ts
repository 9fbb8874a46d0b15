/**
 * End to end: the whole server crashes (kill -9 of `wrangler dev`'s process group) in the middle
 * of a message stream and starts again on the same port and state folder. 200 clients in
 * `batched` presence mode and a sender reconnect with the client library's full jitter and
 * resume with `since`. Leave grace (docs/PROTOCOL.md, 1.1) must make the restart invisible: no
 * one sees anyone leave or join, every acknowledged message is stored once and reaches every
 * client once, and everyone is back within 10 s.
 *
 * This file runs its own `wrangler dev` (the shared ones of global-setup.ts must not crash).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
	type RestartableWranglerDev,
	startRestartableWranglerDev,
} from "../../scripts/local-server/restartable-wrangler-dev.ts";
import { AckedSender } from "../../scripts/resuming-client/acked-sender.ts";
import { waitForEach } from "../../scripts/resuming-client/fleet.ts";
import { type DrillOptions, RestartDrill } from "../../scripts/resuming-client/restart-drill.ts";
import type { MessagesPage } from "../../src/protocol";
import { randomRoom } from "../support/client";
import { DEVELOPMENT_VARS } from "../support/pinned-vars";

const CLIENTS = 200;
/** The stream: one message per interval while the sender is in the room, this many in all. */
const MESSAGES = 60;
const SEND_EVERY_MS = 100;
/** The crash comes once this many are acknowledged, with the rest still to send. */
const ACKED_BEFORE_CRASH = 20;
/** The contract's promise for the test: everyone registered again this soon after the restart. */
const RECOVERY_LIMIT_MS = 10_000;
/**
 * The library's jitter with a ceiling that fits the limit above however long the restart takes
 * (the default ceiling of 30 s fits a browser, not a 10 s bound).
 */
const BACKOFF = { baseMs: 250, maxMs: 2_000 };
/** The bound of every wait: generous, for a loaded 2-core machine. */
const WAIT_MS = 30_000;

let server: RestartableWranglerDev | undefined;
let drill: RestartDrill | undefined;
let sender: AckedSender | undefined;

beforeAll(async () => {
	server = await startRestartableWranglerDev({
		name: "e2e-restart",
		vars: DEVELOPMENT_VARS,
		echo: Boolean(process.env.E2E_VERBOSE),
	});
}, 120_000);

afterAll(async () => {
	await Promise.allSettled([drill?.stop(), sender?.client.stop()]);
	await server?.stop();
}, 60_000);

describe("a crash and restart of the server", () => {
	it("is invisible to registered clients: no leave or join, every message once, everyone back within 10 s", async () => {
		if (!server) throw new Error("no server");
		const room = randomRoom();
		const options: DrillOptions = {
			server,
			room,
			clients: CLIENTS,
			presence: "batched",
			backoff: BACKOFF,
			concurrency: 50,
			heartbeatMs: 20_000,
			connectTimeoutMs: 5_000,
			timeoutMs: WAIT_MS,
		};
		const url = `${server.wsOrigin}/rooms/${room}/ws`;
		const { presence, backoff, heartbeatMs, connectTimeoutMs } = options;
		sender = new AckedSender({ url, userId: "sender", presence, backoff, heartbeatMs, connectTimeoutMs });
		const { client: senderClient } = sender;
		senderClient.start();
		await waitForEach([senderClient], (c) => c.registered, WAIT_MS, "sender registered");
		drill = await RestartDrill.open(options, [senderClient]);
		await drill.waitForFullRosters();
		const receivers = drill.clients.filter((client) => client !== senderClient);

		// The stream pauses while the sender is out of the room, so that its resends after the
		// restart stay within the room's rate limit.
		const stream = setInterval(() => {
			if (senderClient.registered && sender && sender.messages.length < MESSAGES) sender.send();
		}, SEND_EVERY_MS);
		try {
			await sender.whenAcked(ACKED_BEFORE_CRASH, WAIT_MS);
			const recovery = await drill.crashAndRecover();
			expect(recovery.recoveryMs, JSON.stringify(recovery)).toBeLessThanOrEqual(RECOVERY_LIMIT_MS);
			await sender.whenAcked(MESSAGES, WAIT_MS);
		} finally {
			clearInterval(stream);
		}

		// Every acknowledged message reaches every client (live, or in its resume's history).
		const ackedSeqs = sender.acked.map((message) => message.ack?.seq as number);
		expect(new Set(ackedSeqs).size).toBe(MESSAGES);
		await waitForEach(
			receivers,
			(client) => ackedSeqs.every((seq) => client.view.seqCounts.has(seq)),
			WAIT_MS,
			"every message received",
		);
		for (const client of receivers) {
			const counts = [...client.view.seqCounts];
			expect(
				counts.filter(([, times]) => times !== 1),
				`${client.userId} saw these more than once`,
			).toEqual([]);
			expect(counts.map(([seq]) => seq).sort((a, b) => a - b)).toEqual([...ackedSeqs].sort((a, b) => a - b));
		}

		// The room stored each of them once.
		const response = await fetch(`${server.origin}/rooms/${room}/messages?since=0&limit=500`, {
			signal: AbortSignal.timeout(WAIT_MS),
		});
		const page = (await response.json()) as MessagesPage;
		const stored = page.messages.map((message) => (message.message as { n: number }).n).sort((a, b) => a - b);
		expect(stored).toEqual(Array.from({ length: MESSAGES }, (_, i) => i + 1));

		// Nobody saw anyone leave, join, or go missing from a roster; every roster is whole.
		expect(drill.flicker()).toEqual({ leftAndBack: 0, joined: 0, missing: 0, total: 0, users: 0 });
		for (const client of drill.clients) expect(client.view.roster.size).toBe(CLIENTS + 1);
		expect(drill.clients.flatMap((client) => client.errors)).toEqual([]);
	}, 120_000);
});
