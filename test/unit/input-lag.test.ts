/**
 * The room's sign that it is behind its input: its own short timer running late, twice in a row.
 * Time and the timer are the test's: a timer runs when the test says the room got to it.
 */
import { describe, expect, it } from "vitest";
import { InputLag } from "../../src/room/input-lag";

/** An InputLag on a clock the test moves, whose one pending timer runs when `runTimer` says. */
function lagAt(start = 1000) {
	let now = start;
	let pending: (() => void) | undefined;
	const lag = new InputLag({
		periodMs: 20,
		limitMs: 25,
		schedule: (run) => {
			pending = run;
		},
		now: () => now,
	});
	return {
		lag,
		advance: (ms: number) => {
			now += ms;
		},
		runTimer: () => {
			const run = pending;
			pending = undefined;
			run?.();
		},
		get armed() {
			return pending !== undefined;
		},
	};
}

describe("InputLag", () => {
	it("is never behind while its timers run on time, however busy the room", () => {
		const room = lagAt();
		for (let cycle = 0; cycle < 50; cycle++) {
			room.lag.observe();
			room.advance(10);
			expect(room.lag.behind()).toBe(false);
			room.advance(12);
			room.runTimer();
		}
	});

	it("arms one timer at a time, and none once frames stop", () => {
		const room = lagAt();
		room.lag.observe();
		room.lag.observe();
		expect(room.armed).toBe(true);
		room.advance(20);
		room.runTimer();
		expect(room.armed).toBe(false);
		expect(room.lag.behind()).toBe(false);
	});

	it("does not count a single stall: one late timer is not yet behind", () => {
		const room = lagAt();
		room.lag.observe();
		room.advance(200);
		expect(room.lag.behind()).toBe(false);
		room.runTimer();
		room.lag.observe();
		room.advance(5);
		expect(room.lag.behind()).toBe(false);
	});

	it("is behind while a second timer in a row is late, and no longer once one runs on time", () => {
		const room = lagAt();
		room.lag.observe();
		room.advance(60);
		room.runTimer();
		room.lag.observe();
		room.advance(20 + 25);
		expect(room.lag.behind()).toBe(false);
		room.advance(1);
		expect(room.lag.behind()).toBe(true);
		room.runTimer();
		room.lag.observe();
		room.advance(21);
		room.runTimer();
		room.lag.observe();
		room.advance(100);
		expect(room.lag.behind()).toBe(false);
	});
});
