/**
 * (1.3) The presence model of one object (../workerd/presence-scenario.ts) against a room spread
 * over a root and two shards of two connections each: the same random operations (registrations
 * in each mode, returns within the grace, updates, leaves, closes, evictions of any of the room's
 * objects, graces ending at the root's alarm) must give every connection, on whichever object it
 * is, the view of the roster the model gives, and nothing its mode keeps from it.
 */
import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { COVERAGE, runScenario, type ScenarioRoom } from "../workerd/presence-scenario";
import { objectStub } from "./rooms";

const OBJECTS = 3;
/** With at most five connections a scenario seldom gets to these; the one-object test covers them. */
const RARE: string[] = ["took one of several places", "refused"];

const SHARDED: ScenarioRoom = {
	// MAX_CONNECTIONS in this project.
	maxTabs: 5,
	evict: async (room, random) => {
		const shard = Math.floor(random() * OBJECTS);
		// A shard that holds nobody may not be running: there is nothing to evict then.
		await evictDurableObject(objectStub(room, shard)).catch(() => undefined);
	},
	runAlarms: async (room) => {
		for (let shard = 0; shard < OBJECTS; shard++) await runDurableObjectAlarm(objectStub(room, shard));
	},
};

describe("presence over several objects against the one-object model", () => {
	it.each([2, 3, 10, 16])("agrees with the model for seed %i", { timeout: 30_000 }, async (seed) => {
		const covered = await runScenario(seed, 100, false, SHARDED);
		expect(COVERAGE.filter((kind) => !covered.has(kind) && !RARE.includes(kind))).toEqual([]);
	});
});
