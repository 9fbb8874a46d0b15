/**
 * End to end (1.4): room events from a real `wrangler dev` to a backend on loopback. The webhook
 * is verified with the npm `standardwebhooks` library; it fails on purpose and recovers; a
 * `kill -9` of the whole server while a delivery is on its way loses no event and leaves no gap
 * (the same `--persist-to` folder, the room's alarm bringing the delivery back); and a Queue
 * consumer Worker in the same dev session receives every event too.
 *
 * This file runs its own `wrangler dev` (the shared ones of global-setup.ts must not crash).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import {
	type RestartableWranglerDev,
	startRestartableWranglerDev,
} from "../../../scripts/local-server/restartable-wrangler-dev.ts";
import { randomRoom, type SocketLike, TestClient } from "../../support/client";
import { DEVELOPMENT_VARS, TEST_WEBHOOK_SECRET } from "../../support/pinned-vars";
import { type EventsReceiver, type ReceivedEvent, startEventsReceiver } from "./receiver.ts";

const here = dirname(fileURLToPath(import.meta.url));
/** Generous: a real server, real retries (the first after about 5 s), a restart. */
const WAIT_MS = 45_000;

let receiver: EventsReceiver | undefined;
let server: RestartableWranglerDev | undefined;
let configDir: string | undefined;
const sockets = new Set<WebSocket>();

beforeAll(async () => {
	receiver = await startEventsReceiver(TEST_WEBHOOK_SECRET);
	configDir = await mkdtemp(join(tmpdir(), "edge-rooms-events-e2e-"));
	const consumerConfig = join(configDir, "consumer.toml");
	await writeFile(
		consumerConfig,
		[
			'name = "edge-rooms-events-e2e-consumer"',
			`main = ${JSON.stringify(join(here, "consumer.ts"))}`,
			'compatibility_date = "2026-11-01"',
			"send_metrics = false",
			"[vars]",
			`RECEIVER_URL = ${JSON.stringify(`${receiver.origin}/queue`)}`,
			"[[queues.consumers]]",
			'queue = "room-events-e2e"',
			"max_batch_size = 100",
			"max_batch_timeout = 1",
		].join("\n"),
	);
	server = await startRestartableWranglerDev({
		name: "e2e-events",
		config: join(here, "wrangler.toml"),
		extraArgs: ["--config", consumerConfig],
		vars: {
			...DEVELOPMENT_VARS,
			LEAVE_GRACE_SECONDS: "1",
			WEBHOOK_URL: `${receiver.origin}/hook`,
			WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
			EVENTS_MESSAGES: "true",
		},
		echo: Boolean(process.env.E2E_VERBOSE),
	});
}, 120_000);

afterEach(() => {
	for (const ws of sockets) ws.terminate();
	sockets.clear();
});

afterAll(async () => {
	await server?.stop();
	await receiver?.close();
	if (configDir) await rm(configDir, { recursive: true, force: true });
}, 60_000);

async function member(room: string, userId: string): Promise<TestClient> {
	if (!server) throw new Error("no server");
	const ws = new WebSocket(`${server.wsOrigin}/rooms/${room}/ws`);
	sockets.add(ws);
	const client = new TestClient(ws as unknown as SocketLike);
	await client.next("ConnectionEstablished", undefined, WAIT_MS);
	expect((await client.register(userId)).event).toBe("Registered");
	return client;
}

async function say(client: TestClient, message: string): Promise<void> {
	expect((await client.request("SendMessage", { message }, WAIT_MS)).event).toBe("MessageAck");
}

const ofRoom = (events: readonly ReceivedEvent[], room: string) => events.filter((event) => event.room === room);

/** One of each event (at least once: a resend is the same event), in seq order, checked to be 1..n with no gap. */
function eachOnce(events: readonly ReceivedEvent[]): ReceivedEvent[] {
	const bySeq = new Map<number, ReceivedEvent>();
	for (const event of events) {
		const seen = bySeq.get(event.seq);
		if (seen) expect(seen.id, `seq ${event.seq} came as two different events`).toBe(event.id);
		else bySeq.set(event.seq, event);
	}
	const once = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
	expect(once.map((event) => event.seq)).toEqual(once.map((_, i) => i + 1));
	return once;
}

const describeEvent = (event: ReceivedEvent) =>
	event.type === "message.created"
		? `${event.type} ${JSON.stringify((event.data.message as { message: unknown }).message)}`
		: event.type === "user.joined" || event.type === "user.left"
			? `${event.type} ${(event.data.user as { userId: string }).userId}`
			: event.type;

describe("room events from wrangler dev", () => {
	it("reach a webhook that fails on purpose and recovers, verified by standardwebhooks, and the queue", async () => {
		if (!receiver) throw new Error("no receiver");
		const room = randomRoom();
		receiver.answer({ fail: 1 });
		const ann = await member(room, "ann");
		await say(ann, "first");
		const want = ["room.occupied", "user.joined ann", 'message.created "first"'];
		await vi.waitFor(() => expect(ofRoom(receiver?.accepted ?? [], room).map(describeEvent)).toEqual(want), {
			timeout: WAIT_MS,
			interval: 100,
		});
		const calls = receiver.calls.filter((call) => call.events[0]?.room === room);
		expect(calls[0]?.status).toBe(500);
		expect(calls.at(-1)?.status).toBe(204);
		for (const call of calls) expect(call.verified).toBe(true);
		eachOnce(ofRoom(receiver.accepted, room));
		await vi.waitFor(() => expect(eachOnce(ofRoom(receiver?.queued ?? [], room)).map(describeEvent)).toEqual(want), {
			timeout: WAIT_MS,
			interval: 100,
		});
	}, 90_000);

	it("lose nothing and leave no gap when the server is killed while a delivery is on its way", async () => {
		if (!receiver || !server) throw new Error("no server");
		const room = randomRoom();
		const bea = await member(room, "bea");
		await say(bea, "before");
		await vi.waitFor(() => expect(ofRoom(receiver?.accepted ?? [], room)).toHaveLength(3), {
			timeout: WAIT_MS,
			interval: 100,
		});
		// The receiver holds the next request: the change is stored, its delivery is on its way.
		receiver.answer({ hang: true });
		await say(bea, "during");
		await vi.waitFor(
			() => expect(receiver?.calls.some((call) => call.status === 0 && call.events[0]?.room === room)).toBe(true),
			{ timeout: WAIT_MS, interval: 50 },
		);
		// Local queues live in the dev server's memory (a deployed Queue keeps what it accepted): the
		// consumer must have had the queue's share before the crash, or the crash loses it with the queue.
		await vi.waitFor(() => expect(ofRoom(receiver?.queued ?? [], room).map((event) => event.seq)).toContain(4), {
			timeout: WAIT_MS,
			interval: 50,
		});
		await server.crashAndRestart();
		sockets.clear();
		receiver.answer({});
		// Nobody reconnects: the room's alarm alone brings the delivery back (and the grace's end).
		const want = [
			"room.occupied",
			"user.joined bea",
			'message.created "before"',
			'message.created "during"',
			"user.left bea",
			"room.vacated",
		];
		await vi.waitFor(() => expect(eachOnce(ofRoom(receiver?.accepted ?? [], room)).map(describeEvent)).toEqual(want), {
			timeout: WAIT_MS,
			interval: 200,
		});
		for (const call of receiver.calls) expect(call.verified).toBe(true);
		await vi.waitFor(() => expect(eachOnce(ofRoom(receiver?.queued ?? [], room)).map(describeEvent)).toEqual(want), {
			timeout: WAIT_MS,
			interval: 200,
		});
	}, 120_000);
});
