/**
 * Time in the workerd tests: the service's clock is moved forward instead of waited for, and put
 * back after every test. The rooms run in the tests' isolate, so they read the same clock.
 */
import { afterEach, expect, vi } from "vitest";
import { advanceClock, resetClock } from "../../src/clock";
import type { TestClient } from "../support/client";

afterEach(() => {
	resetClock();
});

/** Moves the clock of the Worker and every room forward by `ms`, at once. */
export function passTime(ms: number): void {
	advanceClock(ms);
}

/** Pings and waits for the runtime's pong: a sign of life that never runs the room's code. */
export async function pingNow(client: TestClient): Promise<void> {
	const pongs = client.texts.filter((text) => text === "pong").length;
	client.send("ping");
	await vi.waitFor(() => expect(client.texts.filter((text) => text === "pong").length).toBe(pongs + 1), {
		timeout: 5000,
	});
}
