import { describe, expect, it } from "vitest";
import { CloseCodes } from "../../src/protocol";
import { bufferedAmountOf, overBacklog, TOO_SLOW } from "../../src/room/backlog";
import { DEFAULT_SETTINGS } from "../../src/settings";

const MAX = DEFAULT_SETTINGS.maxBufferedBytes;

describe("overBacklog", () => {
	it("is false while no more than the bound waits, the bound itself included", () => {
		expect(overBacklog(0, MAX)).toBe(false);
		expect(overBacklog(64 * 1024, MAX)).toBe(false);
		expect(overBacklog(MAX, MAX)).toBe(false);
	});

	it("is true from one byte over the bound", () => {
		expect(overBacklog(MAX + 1, MAX)).toBe(true);
		expect(overBacklog(200 * 1024 * 1024, MAX)).toBe(true);
	});

	it("follows the configured bound, not the default", () => {
		expect(overBacklog(5000, 4096)).toBe(true);
		expect(overBacklog(5000, 8192)).toBe(false);
	});

	it("never closes on a runtime that cannot tell (no number, or not a finite one)", () => {
		for (const unknown of [undefined, null, "2000000", Number.NaN, Number.POSITIVE_INFINITY, {}]) {
			expect(overBacklog(unknown, MAX), String(unknown)).toBe(false);
		}
	});
});

describe("bufferedAmountOf", () => {
	it("reads the runtime's property, and undefined where the runtime has none", () => {
		expect(bufferedAmountOf({ bufferedAmount: 1234 } as unknown as WebSocket)).toBe(1234);
		expect(bufferedAmountOf({} as unknown as WebSocket)).toBeUndefined();
	});
});

describe("TOO_SLOW", () => {
	it("is the contract's close 4001 with the reason 'too slow'", () => {
		expect(TOO_SLOW).toEqual({ code: 4001, reason: "too slow" });
		expect(TOO_SLOW.code).toBe(CloseCodes.tooSlow);
	});
});
