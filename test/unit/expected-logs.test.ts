/** expectRoomLogs holds back only the expected room's expected lines; every other line is written as usual. */
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { expectRoomLogs, expectTooSlowLogs } from "../support/expected-logs";

const unspied = { warn: console.warn, error: console.error };

/** The console beneath the helper, recorded instead of printed. */
function recordedConsole(level: "error" | "warn"): string[] {
	const written: string[] = [];
	const spy = vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
		written.push(args.map(String).join(" "));
	});
	onTestFinished(() => spy.mockRestore());
	return written;
}

describe("expectRoomLogs", () => {
	it("holds the expected room's matching lines and writes every other one", () => {
		const written = recordedConsole("error");
		const held = expectRoomLogs("error", "r.1", /^webSocketMessage failed: /);
		console.error('room "r.1": webSocketMessage failed: Error: no such table');
		console.error('room "rx1": webSocketMessage failed: Error: another room');
		console.error('room "r.1": alarm failed: Error: not the expected failure');
		console.error("worker: GET /rooms failed");
		expect(held).toEqual(['room "r.1": webSocketMessage failed: Error: no such table']);
		expect(written).toEqual([
			'room "rx1": webSocketMessage failed: Error: another room',
			'room "r.1": alarm failed: Error: not the expected failure',
			"worker: GET /rooms failed",
		]);
	});

	it("leaves the other level alone", () => {
		const warned = recordedConsole("warn");
		expectRoomLogs("error", "r", /./);
		console.warn('room "r": a warning');
		expect(warned).toEqual(['room "r": a warning']);
	});
});

describe("expectTooSlowLogs", () => {
	it("holds the 4001 close of that user's connection only", () => {
		const written = recordedConsole("warn");
		const held = expectTooSlowLogs("r", "slow");
		console.warn('room "r": closing connection c-1 (user "slow") with 4001: 2 bytes wait for it, more than 1');
		console.warn('room "r": closing connection c-2 (user "slower") with 4001: 2 bytes wait for it, more than 1');
		expect(held).toHaveLength(1);
		expect(written).toHaveLength(1);
	});

	it("puts the console back as it was once the test ends", () => {
		expect(console.warn).toBe(unspied.warn);
		expect(console.error).toBe(unspied.error);
	});
});
