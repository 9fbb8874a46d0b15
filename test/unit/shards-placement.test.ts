/**
 * Placement of a room's connections on its objects, against a plain model: the root first, then
 * the lowest shard with room, tickets holding places until confirmed or expired, and neither an
 * object nor the room ever over its limit, whatever the order of upgrades, confirmations, closes
 * and time.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PlacementBook, type PlacementLimits } from "../../src/room/shards/placement";

function bookOf(limits: Partial<PlacementLimits> = {}) {
	let next = 0;
	return new PlacementBook({ shardConnections: 2, maxConnections: 100, ticketMs: 1000, ...limits }, () => `t${++next}`);
}

describe("PlacementBook", () => {
	it("fills the root, then shard 1, then shard 2; a confirmed ticket counts where it was placed", () => {
		const book = bookOf();
		expect(book.place(0)).toEqual({ kind: "root" });
		expect(book.place(0)).toEqual({ kind: "root" });
		expect(book.place(0)).toEqual({ kind: "shard", shard: 1, ticket: "t1", expiresAt: 1000 });
		expect(book.place(0)).toMatchObject({ shard: 1, ticket: "t2" });
		expect(book.place(0)).toMatchObject({ shard: 2, ticket: "t3" });
		expect(book.confirm("t1", 1, 10)).toBe("confirmed");
		expect([book.count(1), book.reserved(1), book.total, book.objectsInUse]).toEqual([1, 1, 5, 2]);
	});

	it("places in a shard that freed a place before opening a new one", () => {
		const book = bookOf();
		for (const _ of [1, 2, 3, 4, 5, 6]) book.place(0);
		for (const ticket of ["t1", "t2", "t3", "t4"]) book.confirm(ticket, ticket < "t3" ? 1 : 2, 0);
		book.closed(1);
		expect(book.place(0)).toMatchObject({ shard: 1 });
		expect(book.place(0)).toMatchObject({ shard: 3 });
	});

	it("frees an expired ticket's place; its late confirmation gets a place only if one is left", () => {
		const book = bookOf({ shardConnections: 1 });
		book.place(0);
		expect(book.place(0)).toMatchObject({ shard: 1, ticket: "t1" });
		expect(book.place(500)).toMatchObject({ shard: 2, ticket: "t2", expiresAt: 1500 });
		expect(book.expire(1000)).toBe(1);
		expect(book.place(1000)).toMatchObject({ shard: 1, ticket: "t3" });
		expect(book.confirm("t1", 1, 1001)).toBe("full");
		expect(book.confirm("t2", 2, 1600)).toBe("admitted");
		expect(book.total).toBe(3);
	});

	it("refuses past MAX_CONNECTIONS, counting tickets; a close makes room again", () => {
		const book = bookOf({ maxConnections: 3 });
		expect([book.place(0), book.place(0), book.place(0)].map((p) => p.kind)).toEqual(["root", "root", "shard"]);
		expect(book.place(0)).toEqual({ kind: "full" });
		book.closed(0);
		expect(book.place(0)).toEqual({ kind: "root" });
	});

	it("keeps everything in the root with SHARD_CONNECTIONS 0, and admits no ticket", () => {
		const book = bookOf({ shardConnections: 0, maxConnections: 5 });
		for (const _ of [1, 2, 3, 4, 5]) expect(book.place(0)).toEqual({ kind: "root" });
		expect(book.place(0)).toEqual({ kind: "full" });
		expect(book.confirm("forged", 1, 0)).toBe("full");
	});

	it("takes the counts objects report after a restart, opening the indices below them", () => {
		const book = bookOf();
		book.setCount(0, 2);
		book.setCount(3, 2);
		expect(book.place(0)).toMatchObject({ shard: 1 });
		expect(book.confirm("unknown", 2, 0)).toBe("admitted");
		book.setCount(3, 0);
		expect([book.total, book.objectsInUse]).toEqual([4, 2]);
	});
});

type Op =
	| { kind: "place" }
	| { kind: "confirm"; pick: number; shard?: number }
	| { kind: "close"; pick: number }
	| { kind: "wait"; ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
	{ weight: 5, arbitrary: fc.constant({ kind: "place" as const }) },
	{ weight: 3, arbitrary: fc.record({ kind: fc.constant("confirm" as const), pick: fc.nat() }) },
	{
		weight: 1,
		arbitrary: fc.record({ kind: fc.constant("confirm" as const), pick: fc.nat(), shard: fc.nat({ max: 6 }) }),
	},
	{ weight: 2, arbitrary: fc.record({ kind: fc.constant("close" as const), pick: fc.nat() }) },
	{ weight: 2, arbitrary: fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 700 }) }) },
);

describe("PlacementBook under any order of events", () => {
	it("never overfills an object or the room, opens no shard while one has room, and expires exactly the unconfirmed", () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 0, max: 4 }),
				fc.integer({ min: 1, max: 20 }),
				fc.array(op, { maxLength: 150 }),
				(shardConnections, maxConnections, ops) => {
					const limits = { shardConnections, maxConnections, ticketMs: 1000 };
					const book = bookOf(limits);
					const counts = new Map<number, number>();
					const tickets = new Map<string, { shard: number; expiresAt: number }>();
					const issued: { ticket: string; shard: number }[] = [];
					let now = 0;
					const count = (shard: number) => counts.get(shard) ?? 0;
					const used = (shard: number) => count(shard) + [...tickets.values()].filter((t) => t.shard === shard).length;
					const expireModel = () => {
						for (const [ticket, t] of tickets) if (t.expiresAt <= now) tickets.delete(ticket);
					};
					const total = () => [...counts.values()].reduce((a, b) => a + b, 0) + tickets.size;
					const hasRoom = (shard: number) => used(shard) < shardConnections;
					for (const step of ops) {
						if (step.kind === "wait") now += step.ms;
						else if (step.kind === "place") {
							expireModel();
							const placed = book.place(now);
							if (total() >= maxConnections) expect(placed.kind).toBe("full");
							else if (shardConnections === 0 || hasRoom(0)) {
								expect(placed.kind).toBe("root");
								counts.set(0, count(0) + 1);
							} else {
								if (placed.kind !== "shard") throw new Error(`expected a shard, got ${placed.kind}`);
								for (let lower = 1; lower < placed.shard; lower++) expect(hasRoom(lower)).toBe(false);
								expect(hasRoom(placed.shard)).toBe(true);
								tickets.set(placed.ticket, { shard: placed.shard, expiresAt: placed.expiresAt });
								issued.push({ ticket: placed.ticket, shard: placed.shard });
							}
						} else if (step.kind === "confirm") {
							const chosen = issued[step.pick % Math.max(1, issued.length)];
							if (!chosen) continue;
							const shard = step.shard ?? chosen.shard;
							expireModel();
							const live = tickets.get(chosen.ticket);
							const answer = book.confirm(chosen.ticket, shard, now);
							if (live && live.shard === shard) {
								expect(answer).toBe("confirmed");
								tickets.delete(chosen.ticket);
							} else {
								const admits = shard > 0 && hasRoom(shard) && total() < maxConnections;
								expect(answer).toBe(admits ? "admitted" : "full");
							}
							if (answer !== "full") counts.set(shard, count(shard) + 1);
						} else {
							const holding = [...counts.keys()].filter((shard) => count(shard) > 0);
							const shard = holding[step.pick % Math.max(1, holding.length)];
							if (shard === undefined) continue;
							book.closed(shard);
							counts.set(shard, count(shard) - 1);
						}
						book.expire(now);
						expireModel();
						expect(book.total).toBe(total());
						expect(book.total).toBeLessThanOrEqual(maxConnections);
						for (const shard of new Set([0, ...counts.keys(), ...issued.map((t) => t.shard)])) {
							expect(book.count(shard)).toBe(count(shard));
							expect(book.count(shard) + book.reserved(shard)).toBe(used(shard));
							if (shardConnections > 0) expect(used(shard)).toBeLessThanOrEqual(shardConnections);
						}
						expect(book.objectsInUse).toBe([...counts.values()].filter((n) => n > 0).length);
					}
				},
			),
			{ numRuns: 300 },
		);
	});
});
