/**
 * Batched frames (1.2) without the runtime: when an event goes (plan.ts), and the batcher under
 * any interleaving of events, clocks and caps never changing what a connection receives, only
 * how it is framed, and never holding an event longer than `BATCH_MS`.
 */
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FrameBatcher } from "../../src/room/batching/batcher";
import { type BatchRules, batchFrame, holdUntil, offerAction, withEvent } from "../../src/room/batching/plan";

const RULES: BatchRules = { batchMs: 20, maxEvents: 256, maxBytes: 1_048_576 };

describe("offerAction", () => {
	it("sends at once when nothing waits and no frame went out in the last BATCH_MS", () => {
		expect(offerAction({ count: 0, bytes: 0, lastFrameAt: Number.NEGATIVE_INFINITY }, 100, 1000, RULES)).toBe("send");
		expect(offerAction({ count: 0, bytes: 0, lastFrameAt: 980 }, 100, 1000, RULES)).toBe("send");
	});

	it("holds after a recent frame, or behind what waits", () => {
		expect(offerAction({ count: 0, bytes: 0, lastFrameAt: 981 }, 100, 1000, RULES)).toBe("hold");
		expect(offerAction({ count: 3, bytes: 400, lastFrameAt: 0 }, 100, 1000, RULES)).toBe("hold");
	});

	it("sends a full batch first: at 256 events, or when the event would take it past the byte cap", () => {
		expect(offerAction({ count: 255, bytes: 1000, lastFrameAt: 999 }, 10, 1000, RULES)).toBe("hold");
		expect(offerAction({ count: 256, bytes: 1000, lastFrameAt: 999 }, 10, 1000, RULES)).toBe("flush-then-hold");
		// A comma and the event: 1,048,570 + 1 + 6 is one byte over.
		expect(offerAction({ count: 2, bytes: 1_048_570, lastFrameAt: 999 }, 6, 1000, RULES)).toBe("flush-then-hold");
		expect(offerAction({ count: 2, bytes: 1_048_570, lastFrameAt: 999 }, 5, 1000, RULES)).toBe("hold");
	});

	it("never holds an event that fills a frame by itself", () => {
		expect(offerAction({ count: 0, bytes: 0, lastFrameAt: 999 }, 1_048_576, 1000, RULES)).toBe("send");
		expect(offerAction({ count: 4, bytes: 500, lastFrameAt: 999 }, 2_000_000, 1000, RULES)).toBe("flush-then-send");
	});

	it("with BATCH_MS 0 never holds", () => {
		const rules = { ...RULES, batchMs: 0 };
		expect(offerAction({ count: 0, bytes: 0, lastFrameAt: 1000 }, 100, 1000, rules)).toBe("send");
	});
});

describe("the frame of a batch", () => {
	it("is the one event as it is, or the events joined in a JSON array, whose size withEvent counts", () => {
		expect(batchFrame(['{"a":1}'])).toBe('{"a":1}');
		const events = ['{"a":1}', '{"b":2}', '{"c":3}'];
		expect(batchFrame(events)).toBe('[{"a":1},{"b":2},{"c":3}]');
		let state = { count: 0, bytes: 0, lastFrameAt: 0 };
		for (const event of events) state = { ...state, bytes: withEvent(state, event.length), count: state.count + 1 };
		expect(state.bytes).toBe(batchFrame(events).length);
	});

	it("waits until BATCH_MS after the last frame, and never past BATCH_MS from now on a clock that went back", () => {
		expect(holdUntil(990, 1000, 20)).toBe(1010);
		expect(holdUntil(5000, 1000, 20)).toBe(1020);
	});
});

interface Sent {
	socket: number;
	frame: string;
	at: number;
}

/** A batcher on fake timers and Date, over stand-in sockets that record what they are sent. */
function batcherUnderTest(batchMs: number, maxBytes: number) {
	const sockets = [0, 1, 2].map((id) => ({ id }) as unknown as WebSocket);
	const sent: Sent[] = [];
	const batcher = new FrameBatcher({
		batchMs,
		maxBytes,
		now: () => Date.now(),
		send: (ws, frame) => {
			sent.push({ socket: (ws as unknown as { id: number }).id, frame, at: Date.now() });
			return true;
		},
		failed: () => {
			throw new Error("no send fails here");
		},
	});
	for (const ws of sockets.slice(0, 2)) batcher.set(ws, true);
	return { sockets, sent, batcher };
}

const step = fc.oneof(
	{
		weight: 6,
		arbitrary: fc.record({
			kind: fc.constant("offer" as const),
			socket: fc.nat({ max: 2 }),
			size: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 200, max: 700 })),
		}),
	},
	{ weight: 3, arbitrary: fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 30 }) }) },
	{ weight: 1, arbitrary: fc.record({ kind: fc.constant("poll" as const) }) },
	{ weight: 1, arbitrary: fc.record({ kind: fc.constant("toggle" as const), socket: fc.nat({ max: 2 }) }) },
);

describe("FrameBatcher", () => {
	beforeEach(() => {
		vi.useFakeTimers({ now: 1_000_000 });
	});
	afterEach(() => {
		vi.useRealTimers();
	});

	it("delivers every event once, in order, within BATCH_MS, in frames within the caps, whatever the timing", () => {
		fc.assert(
			fc.property(fc.integer({ min: 0, max: 40 }), fc.array(step, { maxLength: 120 }), (batchMs, steps) => {
				vi.setSystemTime(1_000_000);
				const maxBytes = 1500;
				const { sockets, sent, batcher } = batcherUnderTest(batchMs, maxBytes);
				const offered: { socket: number; event: string; at: number }[] = [];
				let counter = 0;
				for (const action of steps) {
					if (action.kind === "offer") {
						const event = JSON.stringify({ n: counter++, pad: "x".repeat(action.size) });
						offered.push({ socket: action.socket, event, at: Date.now() });
						batcher.offer(sockets[action.socket] as WebSocket, event, event.length);
					} else if (action.kind === "wait") vi.advanceTimersByTime(action.ms);
					else if (action.kind === "poll") batcher.flushDue(Date.now());
					else {
						const ws = sockets[action.socket] as WebSocket;
						batcher.set(ws, !batcher.has(ws));
					}
				}
				vi.advanceTimersByTime(batchMs + 1);

				for (const socket of [0, 1, 2]) {
					const frames = sent.filter((s) => s.socket === socket);
					const unpacked = frames.flatMap((s) =>
						s.frame.startsWith("[") ? (JSON.parse(s.frame) as unknown[]) : [JSON.parse(s.frame)],
					);
					const expected = offered.filter((o) => o.socket === socket);
					expect(unpacked).toEqual(expected.map((o) => JSON.parse(o.event)));
					for (const { frame } of frames) {
						if (!frame.startsWith("[")) continue;
						expect(frame.length).toBeLessThanOrEqual(maxBytes);
						expect((JSON.parse(frame) as unknown[]).length).toBeLessThanOrEqual(256);
					}
					// Each event went out at most BATCH_MS after it was offered.
					let i = 0;
					for (const frame of frames) {
						const count = frame.frame.startsWith("[") ? (JSON.parse(frame.frame) as unknown[]).length : 1;
						for (let k = 0; k < count; k++, i++) {
							expect(frame.at - (expected[i] as { at: number }).at).toBeLessThanOrEqual(batchMs);
						}
					}
				}
			}),
			{ numRuns: 300, seed: 25 },
		);
	});

	it("sends an event at once, alone, when nothing waits and no frame went out in the last BATCH_MS", () => {
		const { sockets, sent, batcher } = batcherUnderTest(20, 1_048_576);
		const ws = sockets[0] as WebSocket;
		batcher.offer(ws, '{"n":0}', 7);
		expect(sent).toEqual([{ socket: 0, frame: '{"n":0}', at: 1_000_000 }]);
		batcher.offer(ws, '{"n":1}', 7);
		batcher.offer(ws, '{"n":2}', 7);
		expect(sent).toHaveLength(1);
		vi.advanceTimersByTime(19);
		expect(sent).toHaveLength(1);
		vi.advanceTimersByTime(1);
		expect(sent.at(-1)).toEqual({ socket: 0, frame: '[{"n":1},{"n":2}]', at: 1_000_020 });
		vi.advanceTimersByTime(20);
		batcher.offer(ws, '{"n":3}', 7);
		expect(sent.at(-1)).toEqual({ socket: 0, frame: '{"n":3}', at: 1_000_040 });
	});

	it("joins a batch once for every connection it is the same for", () => {
		const { sockets, sent, batcher } = batcherUnderTest(20, 1_048_576);
		const events = ['{"n":0}', '{"n":1}', '{"n":2}'];
		for (const event of events) for (const ws of sockets.slice(0, 2)) batcher.offer(ws as WebSocket, event, 7);
		vi.advanceTimersByTime(20);
		const [a, b] = sent.slice(-2);
		expect(a?.frame).toBe('[{"n":1},{"n":2}]');
		expect(b?.frame).toBe(a?.frame);
	});

	it("counts what it holds for a connection, and forgets it when the connection is let go of", () => {
		const { sockets, batcher } = batcherUnderTest(20, 1_048_576);
		const ws = sockets[0] as WebSocket;
		batcher.offer(ws, '{"n":0}', 7);
		batcher.offer(ws, '{"n":1}', 7);
		batcher.offer(ws, '{"n":2}', 7);
		expect(batcher.held(ws)).toBe('[{"n":1},{"n":2}]'.length);
		batcher.discard(ws);
		expect(batcher.held(ws)).toBe(0);
		expect(batcher.has(ws)).toBe(false);
	});
});
