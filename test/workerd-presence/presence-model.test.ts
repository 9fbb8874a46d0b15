/**
 * Presence 1.1 against a model (leave grace 10 s, 50 ms windows): random sequences of connect,
 * register in each mode (in batched frames or not), a return within the grace, UpdateUser, Unregister, message, close,
 * eviction and graces ending at the room's alarm (fixed seeds). After every step the room's
 * roster, every registered connection's view of it (built only from what it received in its
 * mode) and the model agree, and no connection hears what it should not. With bursts (1.2),
 * connections also register inside a window, between a change and its undoing
 * (./presence-burst.ts): each ends with the room's roster (batched) or counts (count).
 *
 * Time moves on a grid of steps, whatever the steps take in real time, and a grace that would end
 * during a step is let end just before it: whether a grace has ended is never a race between the
 * test and the room, and a seed always makes the same scenario.
 */
import { describe, expect, it } from "vitest";
import { BURST_COVERAGE, COVERAGE, runScenario } from "../workerd/presence-scenario";

describe("presence 1.1 against a model", () => {
	it.each([2, 3, 10])("agrees with the model for seed %i", { timeout: 20_000 }, async (seed) => {
		const covered = await runScenario(seed, 100);
		expect(COVERAGE.filter((kind) => !covered.has(kind))).toEqual([]);
	});

	it.each([4, 7])("agrees with connections registering inside windows, seed %i", { timeout: 30_000 }, async (seed) => {
		const covered = await runScenario(seed, 40, true);
		expect(BURST_COVERAGE.filter((kind) => !covered.has(kind))).toEqual([]);
	});
});
