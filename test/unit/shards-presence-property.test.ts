/**
 * The presence log's rows from a root to one shard, whatever happens on the way: calls lost,
 * repeated, overtaken or answered into the void, the root restarting (forgetting what it had not
 * stored of the shard's acknowledgement), the shard restarting, connections registering with a
 * reply that arrives before or after the rows it was stamped at, leaving, registering again in
 * another mode, rows held behind the messages they follow. The model is the log itself: a
 * connection of mode M registered at stamp P is owed, as on the root, every row after P that has
 * a frame for M (but an `events` row it caused), once, in order; `count` connections end told the
 * room's counts. The root prunes only below the acknowledgement it stored; it may send ahead of
 * the acknowledgement (a hole when a call is lost), and resends from it when the shard says so.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { op, owed, Simulation } from "./shards-presence-sim";

describe("the presence log through a shard's mirror", () => {
	it("gives every connection each frame of its mode once, in order, as a connection on the root gets them", () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 1, max: 6 }),
				fc.array(op, { minLength: 30, maxLength: 150 }),
				(recentLimit, ops) => {
					const sim = new Simulation(recentLimit);
					for (const step of ops) {
						sim.apply(step);
						for (const registration of sim.all) {
							expect(owed(sim.rows, registration).slice(0, registration.got.length)).toEqual(registration.got);
						}
					}
					sim.drain();
					if (sim.following) expect(sim.mirror.accepted).toBe(sim.last);
					for (const registration of sim.all) {
						const frames = owed(sim.rows, registration);
						if (registration.ended) expect(frames.slice(0, registration.got.length)).toEqual(registration.got);
						else expect(registration.got).toEqual(frames);
						if (!registration.ended && registration.mode === "count") expect(registration.told).toEqual(sim.counts);
					}
				},
			),
			{ numRuns: 400 },
		);
	});
});
