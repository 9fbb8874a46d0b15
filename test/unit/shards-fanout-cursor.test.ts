/**
 * The root's fan-out cursor, alone and with the shards' ordered streams: whatever calls are lost,
 * repeated or overtaken, however often the root restarts (keeping only what shards acknowledged)
 * and a shard restarts (forgetting everything, its connections registering again), every shard
 * ends with every seq it is owed, once and in order, and no shard ever has two calls of the
 * root's in flight.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type FanoutCall, FanoutCursor } from "../../src/room/shards/fanout-cursor";
import { OrderedStream, type SeqRange } from "../../src/room/shards/ordered-stream";

const OPTIONS = { maxMessages: 4, firstBackoffMs: 100, maxBackoffMs: 1000 };
const strip = (calls: FanoutCall[]) => calls.map(({ shard, after, through }) => ({ shard, after, through }));

describe("FanoutCursor", () => {
	it("sends each followed shard what it has not acknowledged, in calls of at most maxMessages, one at a time", () => {
		const cursor = new FanoutCursor(OPTIONS);
		cursor.activate(1, 0, "a");
		cursor.activate(2, 3, "b");
		const [one, two] = cursor.calls(10, 0);
		expect(strip([one, two] as FanoutCall[])).toEqual([
			{ shard: 1, after: 0, through: 4 },
			{ shard: 2, after: 3, through: 7 },
		]);
		expect(cursor.calls(10, 0)).toEqual([]);
		expect(cursor.answered(one as FanoutCall, "a")).toBe("acked");
		expect(strip(cursor.calls(10, 0))).toEqual([{ shard: 1, after: 4, through: 8 }]);
		expect(cursor.owes(10)).toBe(true);
	});

	it("resends a failed call from the same point after a backoff that doubles, up to its ceiling", () => {
		const cursor = new FanoutCursor(OPTIONS);
		cursor.activate(1, 0, "a");
		const waits: number[] = [];
		let now = 0;
		for (const _ of [1, 2, 3, 4, 5]) {
			const [call] = cursor.calls(2, now);
			expect(strip([call as FanoutCall])).toEqual([{ shard: 1, after: 0, through: 2 }]);
			cursor.failed(call as FanoutCall, now);
			expect(cursor.calls(2, now)).toEqual([]);
			const wake = cursor.wakeAt(2) as number;
			waits.push(wake - now);
			now = wake;
		}
		expect(waits).toEqual([100, 200, 400, 800, 1000]);
		const [call] = cursor.calls(2, now);
		cursor.answered(call as FanoutCall, "a");
		expect([cursor.wakeAt(2), cursor.owes(2)]).toEqual([undefined, false]);
	});

	it("ignores a repeated or stale answer, and takes a call cut short by bytes as what was sent", () => {
		const cursor = new FanoutCursor(OPTIONS);
		cursor.activate(1, 0, "a");
		const [call] = cursor.calls(9, 0) as [FanoutCall];
		cursor.cut(call, 2);
		expect(cursor.answered(call, "a")).toBe("acked");
		expect(cursor.answered(call, "a")).toBe("stale");
		expect(cursor.acked(1)).toBe(2);
	});

	it("stops following a shard without registered connections, and follows it again from its new registration", () => {
		const cursor = new FanoutCursor(OPTIONS);
		cursor.activate(1, 0, "a");
		const [old] = cursor.calls(3, 0) as [FanoutCall];
		cursor.deactivate(1);
		expect(cursor.calls(3, 0)).toEqual([]);
		expect(cursor.owes(3)).toBe(false);
		expect(cursor.activate(1, 8, "a")).toBe("new");
		// The call from before is still the one in flight: nothing more goes until it ends.
		expect(cursor.calls(9, 0)).toEqual([]);
		expect(cursor.answered(old, "a")).toBe("acked");
		expect(cursor.acked(1)).toBe(8);
		expect(strip(cursor.calls(9, 0))).toEqual([{ shard: 1, after: 8, through: 9 }]);
	});

	it("keeps a call made before a shard's restart as the one in flight; its answer from the old epoch tells nothing", () => {
		const cursor = new FanoutCursor(OPTIONS);
		cursor.activate(1, 0, "a");
		const [old] = cursor.calls(3, 0) as [FanoutCall];
		expect(cursor.activate(1, 5, "b")).toBe("restarted");
		expect(cursor.calls(7, 0)).toEqual([]);
		expect(cursor.answered(old, "a")).toBe("stale");
		expect(strip(cursor.calls(7, 0))).toEqual([{ shard: 1, after: 5, through: 7 }]);
	});

	it("tells a restarted shard by its epoch, in an answer or in a registration", () => {
		const cursor = new FanoutCursor(OPTIONS);
		cursor.activate(1, 0, "a");
		const [call] = cursor.calls(3, 0) as [FanoutCall];
		expect(cursor.answered(call, "b")).toBe("restarted");
		expect([...cursor.shards()]).toEqual([]);
		cursor.activate(2, 0, "c");
		expect(cursor.activate(2, 5, "c")).toBe("same");
		expect(cursor.activate(2, 5, "d")).toBe("restarted");
		expect(cursor.acked(2)).toBe(5);
	});

	it("probes a shard owed nothing with an empty span, to learn whether it restarted", () => {
		const cursor = new FanoutCursor(OPTIONS);
		cursor.activate(1, 4, "a");
		expect(cursor.calls(4, 0)).toEqual([]);
		const [probe] = cursor.calls(4, 0, true) as [FanoutCall];
		expect(strip([probe])).toEqual([{ shard: 1, after: 4, through: 4 }]);
		expect(cursor.answered(probe, "b")).toBe("restarted");
		expect([...cursor.shards()]).toEqual([]);
	});
});

type Op =
	| { kind: "commit"; count: number }
	| { kind: "deliver"; pick: number; answer: "ok" | "throw" }
	| { kind: "lose"; pick: number }
	| { kind: "replay"; pick: number }
	| { kind: "fill"; pick: number }
	| { kind: "wait"; ms: number }
	| { kind: "restart-root" }
	| { kind: "restart-shard"; pick: number }
	| { kind: "register"; pick: number }
	| { kind: "probe" }
	| { kind: "cut"; by: number };

const pick = fc.nat();
const op: fc.Arbitrary<Op> = fc.oneof(
	{ weight: 4, arbitrary: fc.record({ kind: fc.constant("commit" as const), count: fc.integer({ min: 1, max: 6 }) }) },
	{
		weight: 6,
		arbitrary: fc.record({
			kind: fc.constant("deliver" as const),
			pick,
			answer: fc.constantFrom("ok" as const, "ok" as const, "throw" as const),
		}),
	},
	{ weight: 1, arbitrary: fc.record({ kind: fc.constant("lose" as const), pick }) },
	{ weight: 1, arbitrary: fc.record({ kind: fc.constant("replay" as const), pick }) },
	{ weight: 2, arbitrary: fc.record({ kind: fc.constant("fill" as const), pick }) },
	{ weight: 2, arbitrary: fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 400 }) }) },
	{ weight: 1, arbitrary: fc.constant({ kind: "restart-root" as const }) },
	{ weight: 1, arbitrary: fc.record({ kind: fc.constant("restart-shard" as const), pick }) },
	{ weight: 1, arbitrary: fc.record({ kind: fc.constant("register" as const), pick }) },
	{ weight: 1, arbitrary: fc.constant({ kind: "probe" as const }) },
	{ weight: 1, arbitrary: fc.record({ kind: fc.constant("cut" as const), by: fc.integer({ min: 1, max: 3 }) }) },
);

interface InTransit {
	call: FanoutCall;
	root: number;
}

/** A shard as the test runs it: its epoch, and while a connection is registered, its stream. */
interface ShardUnderTest {
	epoch: string;
	stream: OrderedStream<{ seq: number }> | undefined;
	/** The lastSeq its stream started from, and what it delivered since. */
	from: number;
	delivered: number[];
}

const spanOf = (first: number, last: number) => ({
	first,
	last,
	messages: Array.from({ length: Math.max(0, last - first + 1) }, (_, i) => ({ seq: first + i })),
});

describe("FanoutCursor with the shards' streams", () => {
	it("brings every shard every seq once, in order, with at most one call in flight per shard", () => {
		fc.assert(
			fc.property(fc.integer({ min: 1, max: 3 }), fc.array(op, { maxLength: 150 }), (shardCount, ops) => {
				const persisted = new Map<number, { acked: number; epoch: string }>();
				let root = 0;
				let epochs = 0;
				let cursor = new FanoutCursor(OPTIONS);
				let lastSeq = 0;
				let now = 0;
				const shards = new Map<number, ShardUnderTest>();
				const transit: InTransit[] = [];
				const sent: InTransit[] = [];
				const fetches: { shard: number; stream: unknown; range: SeqRange }[] = [];
				const register = (k: number) => {
					const shard = shards.get(k) as ShardUnderTest;
					if (shard.stream) return;
					shard.stream = new OrderedStream(lastSeq + 1, { retryMs: 50, recentLimit: 8 });
					shard.from = lastSeq;
					shard.delivered = [];
					cursor.activate(k, lastSeq, shard.epoch);
					persisted.set(k, { acked: lastSeq, epoch: shard.epoch });
				};
				for (let k = 1; k <= shardCount; k++) {
					shards.set(k, { epoch: `e${++epochs}`, stream: undefined, from: 0, delivered: [] });
					register(k);
				}
				const shardTakes = (k: number, first: number, last: number, stream?: unknown) => {
					const shard = shards.get(k) as ShardUnderTest;
					// A fetch a stream made before its shard restarted answers nobody.
					if (!shard.stream || (stream !== undefined && stream !== shard.stream)) return;
					const step = shard.stream.receive(spanOf(first, last), now);
					shard.delivered.push(...step.deliver.map((m) => m.seq));
					if (step.fetch) fetches.push({ shard: k, stream: shard.stream, range: step.fetch });
				};
				const take = (at: number) => transit.splice(at % Math.max(1, transit.length), 1)[0];
				const settle = (item: InTransit, answer: "ok" | "throw" | "lost") => {
					if (item.root !== root) return;
					if (answer !== "ok") return cursor.failed(item.call, now);
					const k = item.call.shard;
					const outcome = cursor.answered(item.call, (shards.get(k) as ShardUnderTest).epoch);
					if (outcome === "acked")
						persisted.set(k, { acked: cursor.acked(k) as number, epoch: persisted.get(k)?.epoch ?? "" });
					if (outcome === "restarted") persisted.delete(k);
				};
				const pump = (probe = false) => {
					for (const call of cursor.calls(lastSeq, now, probe)) {
						const item = { call, root };
						transit.push(item);
						sent.push(item);
					}
					for (const k of shards.keys()) {
						const inFlight = transit.filter((t) => t.root === root && t.call.shard === k);
						expect(inFlight.length).toBeLessThanOrEqual(1);
					}
				};
				const deliver = (item: InTransit) => shardTakes(item.call.shard, item.call.after + 1, item.call.through);
				for (const step of ops) {
					if (step.kind === "commit") lastSeq += step.count;
					else if (step.kind === "deliver" || step.kind === "lose") {
						const item = take(step.pick);
						if (!item) continue;
						if (step.kind === "deliver") deliver(item);
						settle(item, step.kind === "deliver" ? step.answer : "lost");
					} else if (step.kind === "replay") {
						const old = sent[step.pick % Math.max(1, sent.length)];
						if (old) deliver(old);
					} else if (step.kind === "fill") {
						const [fetch] = fetches.splice(step.pick % Math.max(1, fetches.length), 1);
						if (fetch) shardTakes(fetch.shard, fetch.range.first, fetch.range.last, fetch.stream);
					} else if (step.kind === "wait") {
						now += step.ms;
						for (const [k, shard] of shards) {
							const again = shard.stream?.due(now);
							if (again) fetches.push({ shard: k, stream: shard.stream, range: again });
						}
					} else if (step.kind === "restart-root") {
						root++;
						cursor = new FanoutCursor(OPTIONS);
						for (const [k, { acked, epoch }] of persisted) cursor.restore(k, acked, epoch);
					} else if (step.kind === "restart-shard") {
						const shard = shards.get(1 + (step.pick % shardCount)) as ShardUnderTest;
						Object.assign(shard, { epoch: `e${++epochs}`, stream: undefined, delivered: [] });
					} else if (step.kind === "register") register(1 + (step.pick % shardCount));
					else if (step.kind === "probe") pump(true);
					else {
						const last = transit.at(-1);
						if (last?.root === root) {
							const through = Math.min(last.call.through, Math.max(last.call.after + 1, last.call.through - step.by));
							cursor.cut(last.call, through);
							last.call = { ...last.call, through };
						}
					}
					pump();
				}
				// Everything settles: calls answer, backoffs pass, fetches are answered.
				for (let round = 0; round < 500 && (cursor.owes(lastSeq) || transit.length || fetches.length); round++) {
					const item = transit.shift();
					if (item) {
						deliver(item);
						settle(item, "ok");
					}
					const fetch = fetches.shift();
					if (fetch) shardTakes(fetch.shard, fetch.range.first, fetch.range.last, fetch.stream);
					now = Math.max(now, cursor.wakeAt(lastSeq) ?? now);
					pump();
				}
				for (const shard of shards.values()) {
					const owed = shard.stream ? lastSeq - shard.from : 0;
					expect(shard.delivered).toEqual(Array.from({ length: owed }, (_, i) => shard.from + 1 + i));
				}
				expect(cursor.owes(lastSeq)).toBe(false);
				// A restarted shard owed nothing since is known at the next probe (past any backoff).
				now += OPTIONS.maxBackoffMs;
				pump(true);
				for (const item of transit.splice(0)) {
					deliver(item);
					settle(item, "ok");
				}
				const registered = [...shards].filter(([, shard]) => shard.stream).map(([k]) => k);
				expect([...cursor.shards()].sort()).toEqual(registered);
			}),
			{ numRuns: 300 },
		);
	});
});
