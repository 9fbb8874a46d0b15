/**
 * A shard's ordered stream: whatever the root's calls do (lost, repeated, overtaken) and however
 * its history answers (late, lost, in parts), a shard delivers each message for it once, in seq
 * order, without a hole, and asks for a hole at once and again only after the retry delay.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OrderedStream, type SeqRange, type Span } from "../../src/room/shards/ordered-stream";

interface Msg {
	seq: number;
}

const OPTIONS = { retryMs: 100, recentLimit: 4 };
const span = (first: number, last: number, seqs: number[] = range(first, last)): Span<Msg> => ({
	first,
	last,
	messages: seqs.map((seq) => ({ seq })),
});
const seqsOf = (messages: readonly Msg[]) => messages.map((message) => message.seq);

function range(first: number, last: number): number[] {
	return Array.from({ length: Math.max(0, last - first + 1) }, (_, i) => first + i);
}

describe("OrderedStream", () => {
	it("delivers spans in order and drops what it already delivered", () => {
		const stream = new OrderedStream<Msg>(1, OPTIONS);
		expect(seqsOf(stream.receive(span(1, 3), 0).deliver)).toEqual([1, 2, 3]);
		expect(seqsOf(stream.receive(span(2, 5), 0).deliver)).toEqual([4, 5]);
		expect(stream.receive(span(1, 5), 0)).toEqual({ deliver: [] });
		expect(stream.next).toBe(6);
	});

	it("does not take a seq left out of a span (a direct message to a user elsewhere) for a hole", () => {
		const stream = new OrderedStream<Msg>(1, OPTIONS);
		expect(stream.receive(span(1, 4, [1, 4]), 0)).toEqual({ deliver: [{ seq: 1 }, { seq: 4 }] });
		expect(stream.receive(span(5, 6, []), 0)).toEqual({ deliver: [] });
		expect(stream.next).toBe(7);
	});

	it("holds what is ahead of a hole, asks for the hole at once, and delivers when it is filled", () => {
		const stream = new OrderedStream<Msg>(1, OPTIONS);
		stream.receive(span(1, 2), 0);
		expect(stream.receive(span(6, 7), 10)).toEqual({ deliver: [], fetch: { first: 3, last: 5 } });
		expect(stream.receive(span(8, 8), 20)).toEqual({ deliver: [] });
		expect(stream.holding).toBe(true);
		expect(seqsOf(stream.receive(span(3, 5), 30).deliver)).toEqual([3, 4, 5, 6, 7, 8]);
		expect([stream.holding, stream.wakeAt]).toEqual([false, undefined]);
	});

	it("asks again only after the retry delay, and at once when part of the hole arrived", () => {
		const stream = new OrderedStream<Msg>(1, OPTIONS);
		stream.receive(span(10, 10), 0);
		expect(stream.wakeAt).toBe(100);
		expect(stream.due(99)).toBeUndefined();
		expect(stream.due(100)).toEqual({ first: 1, last: 9 });
		expect(stream.due(150)).toBeUndefined();
		expect(stream.receive(span(1, 4), 160)).toMatchObject({ fetch: { first: 5, last: 9 } });
		expect(stream.wakeAt).toBe(260);
	});

	it("starts where a registration put it, ignoring what is older", () => {
		const stream = new OrderedStream<Msg>(41, OPTIONS);
		expect(seqsOf(stream.receive(span(30, 42), 0).deliver)).toEqual([41, 42]);
	});

	it("gives a connection that registered behind it what it delivered since, while it keeps it", () => {
		const stream = new OrderedStream<Msg>(1, OPTIONS);
		stream.receive(span(1, 6, [1, 2, 3, 5, 6]), 0);
		expect(stream.recentAfter(6)).toEqual([]);
		expect(stream.recentAfter(9)).toEqual([]);
		expect(seqsOf(stream.recentAfter(3) ?? [])).toEqual([5, 6]);
		expect(seqsOf(stream.recentAfter(1) ?? [])).toEqual([2, 3, 5, 6]);
		expect(stream.recentAfter(0)).toBeUndefined();
	});

	it("moves past what the history no longer has, saying what was lost, and goes on with what it held", () => {
		const stream = new OrderedStream<Msg>(1, OPTIONS);
		stream.receive(span(1, 1), 0);
		stream.receive(span(8, 9), 0);
		const step = stream.skipTo(5, 10);
		expect(step.skipped).toEqual({ first: 2, last: 5 });
		expect(step.fetch).toEqual({ first: 6, last: 7 });
		expect(seqsOf(stream.receive(span(6, 7), 20).deliver)).toEqual([6, 7, 8, 9]);
		expect(stream.recentAfter(5)).toBeDefined();
		expect(stream.recentAfter(4)).toBeUndefined();
	});
});

type Op =
	| { kind: "send"; pick: number }
	| { kind: "answer"; pick: number; cap: number }
	| { kind: "lose-fetch"; pick: number }
	| { kind: "wait"; ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
	{ weight: 6, arbitrary: fc.record({ kind: fc.constant("send" as const), pick: fc.nat() }) },
	{
		weight: 3,
		arbitrary: fc.record({ kind: fc.constant("answer" as const), pick: fc.nat(), cap: fc.integer({ min: 1, max: 6 }) }),
	},
	{ weight: 1, arbitrary: fc.record({ kind: fc.constant("lose-fetch" as const), pick: fc.nat() }) },
	{ weight: 2, arbitrary: fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 150 }) }) },
);

describe("OrderedStream under any delivery", () => {
	it("delivers each message for the shard once, ascending, without a hole, whatever is lost, repeated or late", () => {
		fc.assert(
			fc.property(
				fc.array(fc.boolean(), { minLength: 1, maxLength: 60 }),
				fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 60 }),
				fc.nat(),
				fc.array(op, { maxLength: 120 }),
				(forShard, spanLengths, startPick, ops) => {
					const last = forShard.length;
					const ours = range(1, last).filter((seq) => forShard[seq - 1]);
					const history = (first: number, upTo: number) =>
						span(
							first,
							upTo,
							ours.filter((s) => s >= first && s <= upTo),
						);
					const spans: Span<Msg>[] = [];
					for (let first = 1, i = 0; first <= last; i++) {
						const end = Math.min(last, first + (spanLengths[i % spanLengths.length] as number) - 1);
						spans.push(history(first, end));
						first = end + 1;
					}
					const start = 1 + (startPick % last);
					const expected = ours.filter((seq) => seq >= start);
					const stream = new OrderedStream<Msg>(start, { retryMs: 100, recentLimit: 8 });
					const delivered: number[] = [];
					const asked: SeqRange[] = [];
					let now = 0;
					const take = (step: { deliver: Msg[]; fetch?: SeqRange }) => {
						delivered.push(...seqsOf(step.deliver));
						if (step.fetch) asked.push(step.fetch);
						expect(delivered).toEqual(expected.slice(0, delivered.length));
						expect(stream.next).toBeGreaterThan(delivered.at(-1) ?? 0);
					};
					for (const step of ops) {
						if (step.kind === "send") take(stream.receive(spans[step.pick % spans.length] as Span<Msg>, now));
						else if (step.kind === "answer" || step.kind === "lose-fetch") {
							const [fetch] = asked.splice(step.pick % Math.max(1, asked.length), 1);
							if (fetch && step.kind === "answer") {
								take(stream.receive(history(fetch.first, Math.min(fetch.last, fetch.first + step.cap - 1)), now));
							}
						} else {
							now += step.ms;
							const again = stream.due(now);
							if (again) asked.push(again);
						}
					}
					// The root resends from what the shard acknowledged; the shard fills what it holds back.
					take(stream.receive(history(stream.next, last), now));
					for (let rounds = 0; stream.holding && rounds < 100; rounds++) {
						now += 100;
						const fetch = asked.pop() ?? stream.due(now);
						if (fetch) take(stream.receive(history(fetch.first, fetch.last), now));
					}
					expect(delivered).toEqual(expected);
					expect(stream.holding).toBe(false);
				},
			),
			{ numRuns: 400 },
		);
	});
});
