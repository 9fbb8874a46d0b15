/**
 * The room's one alarm: the idle reaper's distant backstop while connections remain, and the
 * end of the earliest leave grace, which must never be missed.
 */
import { describe, expect, it } from "vitest";
import { type AlarmNeeds, planAlarm } from "../../src/room/alarm-plan";

const NOW = 1_000_000;
const BACKSTOP_MS = 300_000;

function needs(overrides: Partial<AlarmNeeds> = {}): AlarmNeeds {
	return { live: false, graceDeadline: undefined, now: NOW, backstopMs: BACKSTOP_MS, ...overrides };
}

describe("planAlarm in an empty room with no grace", () => {
	it("deletes an alarm that is set", () => {
		expect(planAlarm(NOW + 5000, needs())).toBe("delete");
	});

	it("does nothing when none is set", () => {
		expect(planAlarm(null, needs())).toBeUndefined();
	});
});

describe("planAlarm with connections and no grace", () => {
	it("sets the backstop when no alarm is set", () => {
		expect(planAlarm(null, needs({ live: true }))).toBe(NOW + BACKSTOP_MS);
	});

	it("keeps an alarm that is already set, earlier or later than a fresh backstop", () => {
		expect(planAlarm(NOW + 1000, needs({ live: true }))).toBeUndefined();
		expect(planAlarm(NOW + 2 * BACKSTOP_MS, needs({ live: true }))).toBeUndefined();
	});
});

describe("planAlarm with a grace running", () => {
	it("moves a set alarm to a grace that ends earlier", () => {
		const graceDeadline = NOW + 10_000;
		expect(planAlarm(NOW + BACKSTOP_MS, needs({ live: true, graceDeadline }))).toBe(graceDeadline);
	});

	it("keeps a set alarm that comes before the grace ends: the room plans again when it runs", () => {
		expect(planAlarm(NOW + 5000, needs({ live: true, graceDeadline: NOW + 10_000 }))).toBeUndefined();
	});

	it("sets the earlier of backstop and grace when no alarm is set", () => {
		expect(planAlarm(null, needs({ live: true, graceDeadline: NOW + 10_000 }))).toBe(NOW + 10_000);
		const farGrace = NOW + 2 * BACKSTOP_MS;
		expect(planAlarm(null, needs({ live: true, graceDeadline: farGrace }))).toBe(NOW + BACKSTOP_MS);
	});

	it("sets the grace's end in a room whose last connection closed", () => {
		expect(planAlarm(null, needs({ graceDeadline: NOW + 10_000 }))).toBe(NOW + 10_000);
	});

	it("moves a leftover backstop to the grace's end in a room whose last connection closed", () => {
		expect(planAlarm(NOW + BACKSTOP_MS, needs({ graceDeadline: NOW + 10_000 }))).toBe(NOW + 10_000);
	});
});
