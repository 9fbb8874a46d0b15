/**
 * Batched frames (1.2) change how events are framed, never what the page sees: the same server
 * events sent one a frame (each frame its own task, as a browser dispatches them) and packed into
 * arrays give the same log of everything a page can observe, in the same order: events, the
 * client's state at each, promise outcomes, what runs a few microtasks after each, and what the
 * client writes back.
 */
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ClientErrorCodes } from "../../src/client";
import { ErrorCodes } from "../../src/protocol/constants";
import type { ServerFrame } from "../../src/protocol/types";
import { DEFAULT_LIMITS, FakeSocket } from "./fake-socket";
import { ack, error, live, message, presence, registered, settle, signalFrame, startClient, user } from "./harness";
import { observe } from "./observed-log";

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.clearAllTimers();
	vi.useRealTimers();
});

/** What the room sends: an event, or text that is not one (in a batch, an element that is not one). */
type Sent = ServerFrame | string;
/** The room's frames after the sends: each made from the sends' request ids. */
type Script = Array<(sendIds: string[]) => Sent>;

const SENDS = 4;

/**
 * A client in a 1.2 room with bob, registered, with SENDS messages written and waiting for acks;
 * then `script` arrives in frames: one event a frame with `groups` left out, else each group one
 * batched frame. The link drops after the last frame, in a task of its own as a browser has it:
 * before that frame's later events are handled, so its close waits their turn. Each event is
 * handled a millisecond after the one before in both runs (the fake clock runs each task that a
 * batch schedules a millisecond later).
 */
async function run(script: Script, groups?: number[]) {
	const recorded = startClient();
	const log = observe(recorded);
	const connected = recorded.client.connect();
	await settle();
	const socket = FakeSocket.latest();
	socket.accept("c1", DEFAULT_LIMITS, "1.2");
	socket.receive(registered(socket.lastFrame().requestId, { users: [user("alice"), user("bob")] }));
	await connected;
	for (let send = 0; send < SENDS; send += 1) {
		recorded.client.send(`hello ${send}`).then(
			(acked) => log.push(`send ${send} acked seq ${acked.seq}`),
			(refused: { code: string }) => log.push(`send ${send} refused ${refused.code}`),
		);
	}
	const sendIds = socket.frames().flatMap((frame) => (frame.event === "SendMessage" ? [frame.requestId ?? ""] : []));
	const frames = script.map((make) => make(sendIds));
	const asText = (sent: Sent) => (typeof sent === "string" ? sent : JSON.stringify(sent));
	const batches = groups ? split(frames, groups) : frames.map((frame) => [frame]);
	for (const [index, batch] of batches.entries()) {
		socket.receive(groups ? `[${batch.map(asText).join(",")}]` : asText(batch[0] as Sent));
		// Microtasks run, the batch's next task does not.
		await settle(index < batches.length - 1 ? batch.length : 0);
	}
	socket.drop();
	await settle(batches.at(-1)?.length);
	return { log, written: socket.written.map(withoutRandomIds), frameCount: batches.length };
}

/** Each run draws its own `clientMessageId`s. */
function withoutRandomIds(frame: string): string {
	return frame.replace(/"clientMessageId":"[0-9a-f]+"/, '"clientMessageId":"…"');
}

function split<T>(items: T[], sizes: number[]): T[][] {
	const groups: T[][] = [];
	let at = 0;
	for (const size of sizes) {
		if (at >= items.length) break;
		groups.push(items.slice(at, at + size));
		at += size;
	}
	if (at < items.length) groups.push(items.slice(at));
	return groups;
}

const bobSays =
	(seq: number): Script[number] =>
	() =>
		live(message(seq, "bob", `bob ${seq}`));
const acked =
	(send: number, seq: number): Script[number] =>
	(ids) =>
		ack(ids[send] ?? "", seq);

describe("a batched frame", () => {
	const mixes: Array<[string, Script, number[]]> = [
		[
			"messages, an ack and presence",
			[bobSays(1), bobSays(2), acked(0, 3), () => presence({ joined: [user("carol")], userCount: 3 })],
			[4],
		],
		[
			"acks, refusals and signals, in two batches",
			[
				acked(1, 1),
				(ids) => JSON.parse(error(ids[0], ErrorCodes.MESSAGE_TOO_LARGE)) as ServerFrame,
				() => signalFrame("bob", { typing: true }),
				bobSays(2),
				acked(2, 3),
				() => presence({ left: [{ user: user("bob"), reason: "close" }], userCount: 1 }),
				(ids) => JSON.parse(error(ids[3], ErrorCodes.RATE_LIMITED)) as ServerFrame,
			],
			[3, 4],
		],
		[
			"an old message, a repeat and our own message back from history",
			[bobSays(2), bobSays(1), bobSays(2), acked(0, 3), () => live(message(3, "alice", "hello 0")), bobSays(4)],
			[6],
		],
	];

	it.each(mixes)("is seen as its events one a frame: %s", async (_name, script, groups) => {
		const oneByOne = await run(script);
		const batched = await run(script, groups);
		expect(batched.frameCount).toBeLessThan(oneByOne.frameCount);
		expect(batched.log).toEqual(oneByOne.log);
		expect(batched.written).toEqual(oneByOne.written);
		expect(oneByOne.log.length).toBeGreaterThan(script.length);
	});

	it("is seen as its events one a frame, whatever the events and however they are grouped", async () => {
		const event = fc.oneof(
			fc.integer({ min: 1, max: 12 }).map(bobSays),
			fc
				.tuple(fc.integer({ min: 0, max: SENDS - 1 }), fc.integer({ min: 1, max: 12 }))
				.map(([send, seq]) => acked(send, seq)),
			fc.tuple(fc.integer({ min: 0, max: SENDS - 1 }), fc.constantFrom(...Object.values(ErrorCodes))).map(
				([send, code]) =>
					(ids: string[]) =>
						JSON.parse(error(ids[send], code)) as ServerFrame,
			),
			fc.constantFrom<Script[number]>(
				() => presence({ joined: [user("carol")], userCount: 3 }),
				() => presence({ left: [{ user: user("bob"), reason: "close" }], userCount: 1 }),
				() => signalFrame("bob", "wave"),
				() => JSON.parse(error(undefined, ErrorCodes.INTERNAL)) as ServerFrame,
				() => "42",
				() => '{"event":"Surprise","data":{}}',
			),
		);
		await fc.assert(
			fc.asyncProperty(
				fc.array(event, { minLength: 1, maxLength: 14 }),
				fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 6 }),
				async (script, groups) => {
					const oneByOne = await run(script);
					const batched = await run(script, groups);
					expect(batched.log).toEqual(oneByOne.log);
					expect(batched.written).toEqual(oneByOne.written);
				},
			),
			{ numRuns: 60 },
		);
	});

	it("hands every event after a Registered to a listener added once connect() resolves", async () => {
		// The page's `await client.connect()` runs between the Registered and what follows it.
		const heard = async (batched: boolean) => {
			const { client } = startClient();
			const connected = client.connect();
			await settle();
			const socket = FakeSocket.latest();
			socket.accept("c1", DEFAULT_LIMITS, "1.2");
			const seen: number[] = [];
			void connected.then(() => client.on("message", (received) => seen.push(received.seq)));
			const frames = [
				registered(socket.lastFrame().requestId),
				live(message(1, "bob", "a")),
				live(message(2, "bob", "b")),
			];
			if (batched) socket.receive(frames);
			for (const frame of batched ? [] : frames) {
				socket.receive(frame);
				await settle(1);
			}
			await settle(frames.length);
			return seen;
		};
		expect(await heard(false)).toEqual([1, 2]);
		expect(await heard(true)).toEqual([1, 2]);
	});
});

describe("a batched frame's elements", () => {
	it("are each checked as a frame is: one that is not an event is an error in its place, the others go on", async () => {
		const { client, messages, errors } = startClient();
		const order: string[] = [];
		client.on("message", (received) => order.push(`message ${received.seq}`));
		client.on("error", (failure) => order.push(`error ${failure.code}`));
		const connected = client.connect();
		await settle();
		const socket = FakeSocket.latest();
		socket.accept("c1", DEFAULT_LIMITS, "1.2");
		socket.receive(registered(socket.lastFrame().requestId));
		await connected;
		const first = JSON.stringify(live(message(1, "bob", "a")));
		const last = JSON.stringify(live(message(2, "bob", "b")));
		socket.receive(`[${first},42,null,{"event":"Surprise","data":{}},[${first}],${last}]`);
		await settle(6);
		const bad = `error ${ClientErrorCodes.BAD_SERVER_FRAME}`;
		expect(order).toEqual(["message 1", bad, bad, bad, bad, "message 2"]);
		expect(messages.map((received) => received.seq)).toEqual([1, 2]);

		// An empty batch carries nothing; text that is not JSON is one bad frame, as before.
		socket.receive("[]");
		socket.receive("[1,");
		await settle();
		expect(errors).toHaveLength(5);
		expect(client.state).toBe("registered");
	});

	it("after one that stops the client for good are dropped, as later frames are", async () => {
		const heard = async (batched: boolean) => {
			const recorded = startClient();
			const log = observe(recorded);
			void recorded.client.connect().catch(() => log.push("connect rejected"));
			await settle();
			const socket = FakeSocket.latest();
			socket.accept("c1", DEFAULT_LIMITS, "1.2");
			const refusal = JSON.parse(error(socket.lastFrame().requestId, ErrorCodes.UNAUTHORIZED)) as ServerFrame;
			const frames = [refusal, signalFrame("bob", "late"), live(message(1, "bob", "late"))];
			if (batched) socket.receive(frames);
			for (const frame of batched ? [] : frames) {
				socket.receive(frame);
				await settle(1);
			}
			await settle(frames.length);
			return log;
		};
		const oneByOne = await heard(false);
		expect(oneByOne).toContain("connect rejected");
		expect(await heard(true)).toEqual(oneByOne);
	});
});
