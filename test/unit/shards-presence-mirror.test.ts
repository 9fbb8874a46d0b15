/**
 * A shard's presence mirror, case by case: rows taken once in `pres` order (repeats dropped, a
 * hole answered with the position to resend from), each frame to the connections of its mode
 * only (never to the connection that caused it, never to one registered after the row), rows held
 * behind the message they follow, registrations behind and ahead of the stream, and the counts
 * `count` connections hear.
 */
import { describe, expect, it } from "vitest";
import type { PresenceLogRow } from "../../src/room/shards/presence-log";
import { type PresenceStamp, ShardPresenceMirror } from "../../src/room/shards/shard-presence-mirror";

const counts = (userCount: number, connectionCount = userCount) => ({ userCount, connectionCount });

function row(pres: number, extra: Partial<PresenceLogRow> = {}): PresenceLogRow {
	return { pres, afterSeq: 0, events: `e${pres}`, batched: `b${pres}`, counts: counts(pres), ...extra };
}

const stamp = (pres: number, userCount = pres): PresenceStamp => ({ pres, counts: counts(userCount) });

/** Who got which frame, flattened: `id:frame`. */
function received(mirror: ShardPresenceMirror, deliveredSeq?: number): string[] {
	return mirror
		.take(deliveredSeq)
		.flatMap((delivery) => delivery.sends.flatMap((s) => s.to.map((id) => `${id}:${s.frame}`)));
}

describe("ShardPresenceMirror", () => {
	it("has no stream before a registration and drops rows until then", () => {
		const mirror = new ShardPresenceMirror({ recentLimit: 4 });
		expect(mirror.receive([row(1)])).toEqual({});
		expect(mirror.accepted).toBeUndefined();
		expect(mirror.register("a", "events", stamp(3))).toEqual({ live: true, frames: [] });
		expect(mirror.accepted).toBe(3);
	});

	it("gives each mode its frame, leaves out the connection that caused the change and every count connection", () => {
		const mirror = new ShardPresenceMirror({ recentLimit: 4 });
		mirror.register("e1", "events", stamp(0));
		mirror.register("e2", "events", stamp(0));
		mirror.register("b1", "batched", stamp(0));
		mirror.register("c1", "count", stamp(0));
		mirror.receive([row(1, { except: "e2" }), row(2, { events: undefined }), row(3, { batched: undefined })]);
		expect(received(mirror)).toEqual(["e1:e1", "b1:b1", "b1:b2", "e1:e3", "e2:e3"]);
	});

	it("drops repeats and overtaken calls, and answers a hole with the position to resend from", () => {
		const mirror = new ShardPresenceMirror({ recentLimit: 4 });
		mirror.register("a", "events", stamp(0));
		expect(mirror.receive([row(2), row(1)])).toEqual({});
		expect(mirror.receive([row(1), row(2)])).toEqual({});
		expect(mirror.receive([row(4), row(5)])).toEqual({ resendAfter: 2 });
		expect(mirror.receive([row(3), row(4)])).toEqual({});
		expect(mirror.accepted).toBe(4);
		expect(received(mirror)).toEqual(["a:e1", "a:e2", "a:e3", "a:e4"]);
	});

	it("holds a row until the message it follows is delivered", () => {
		const mirror = new ShardPresenceMirror({ recentLimit: 4 });
		mirror.register("a", "events", stamp(0));
		mirror.receive([row(1, { afterSeq: 5 }), row(2, { afterSeq: 9 })]);
		expect(mirror.accepted).toBe(2);
		expect(received(mirror, 4)).toEqual([]);
		expect(mirror.nextAfterSeq).toBe(5);
		expect(received(mirror, 8)).toEqual(["a:e1"]);
		expect(received(mirror, 9)).toEqual(["a:e2"]);
		expect(mirror.nextAfterSeq).toBeUndefined();
	});

	it("catches a connection that registered behind the stream up from its recent rows, in its mode", () => {
		const mirror = new ShardPresenceMirror({ recentLimit: 3 });
		mirror.register("a", "events", stamp(0));
		mirror.receive([1, 2, 3, 4, 5].map((pres) => row(pres, { except: pres === 4 ? "late" : undefined })));
		received(mirror);
		expect(mirror.register("late", "events", stamp(2))).toEqual({ live: true, frames: ["e3", "e5"] });
		expect(mirror.register("lateBatched", "batched", stamp(3))).toEqual({ live: true, frames: ["b4", "b5"] });
		expect(mirror.register("lost", "events", stamp(1))).toEqual({ live: false, closeCode: 4001 });
		mirror.receive([row(6)]);
		expect(received(mirror)).toEqual(["a:e6", "late:e6", "lateBatched:b6"]);
	});

	it("skips a connection that registered ahead of the stream for the rows its Registered already showed", () => {
		const mirror = new ShardPresenceMirror({ recentLimit: 3 });
		mirror.register("a", "events", stamp(0));
		mirror.register("ahead", "batched", stamp(2));
		mirror.receive([row(1), row(2), row(3)]);
		expect(received(mirror)).toEqual(["a:e1", "a:e2", "a:e3", "ahead:b3"]);
	});

	it("moves a stream no connection needs forward to the next registration's stamp", () => {
		const mirror = new ShardPresenceMirror({ recentLimit: 3 });
		mirror.register("a", "events", stamp(0));
		mirror.receive([row(1)]);
		mirror.forget("a");
		expect(mirror.register("b", "events", stamp(7))).toEqual({ live: true, frames: [] });
		expect(mirror.receive([row(2), row(7)])).toEqual({});
		mirror.receive([row(8)]);
		expect(received(mirror)).toEqual(["b:e8"]);
	});

	it("sends nothing more to a connection that unregistered, and follows one that registered again in another mode", () => {
		const mirror = new ShardPresenceMirror({ recentLimit: 3 });
		mirror.register("a", "events", stamp(0));
		mirror.register("b", "events", stamp(0));
		mirror.forget("b");
		mirror.receive([row(1)]);
		expect(received(mirror)).toEqual(["a:e1"]);
		mirror.register("a", "batched", stamp(1));
		mirror.receive([row(2)]);
		expect(received(mirror)).toEqual(["a:b2"]);
	});

	it("hands on a renamed user with its row", () => {
		const mirror = new ShardPresenceMirror({ recentLimit: 3 });
		mirror.register("a", "count", stamp(0));
		const renamed = { userId: "u", name: "New", meta: { a: 1 } };
		mirror.receive([row(1, { renamed })]);
		expect(mirror.take()).toEqual([{ pres: 1, sends: [], renamed }]);
	});

	it("tells count connections the newest counts, at most once a second, none when they already know them", () => {
		const mirror = new ShardPresenceMirror({ recentLimit: 3 });
		expect(mirror.occupancyAt(0)).toBeUndefined();
		mirror.register("c1", "count", stamp(0, 4));
		mirror.register("c2", "count", stamp(0, 4));
		expect(mirror.counts).toEqual(counts(4));
		expect(mirror.occupancy(0)).toEqual({
			frame: JSON.stringify({ eventType: "ServerEvent", event: "Occupancy", data: counts(4) }),
			to: ["c1", "c2"],
		});
		expect(mirror.occupancyAt(10)).toBeUndefined();
		mirror.receive([row(1, { counts: counts(5, 6) })]);
		mirror.take();
		expect(mirror.occupancyAt(10)).toBe(1000);
		expect(mirror.occupancy(999)).toBeUndefined();
		expect(mirror.occupancy(1000)?.frame).toContain('"userCount":5,"connectionCount":6');
		mirror.receive([row(2, { counts: counts(5, 6) })]);
		mirror.take();
		expect(mirror.occupancyAt(5000)).toBeUndefined();
	});

	it("keeps counts from a stamp newer than the rows taken until a newer row arrives", () => {
		const mirror = new ShardPresenceMirror({ recentLimit: 3 });
		mirror.register("a", "events", stamp(0, 1));
		mirror.register("c", "count", stamp(2, 3));
		mirror.receive([row(1, { counts: counts(2) })]);
		mirror.take();
		expect(mirror.counts).toEqual(counts(3));
		mirror.receive([row(2, { counts: counts(3) }), row(3, { counts: counts(9) })]);
		mirror.take();
		expect(mirror.counts).toEqual(counts(9));
	});
});
