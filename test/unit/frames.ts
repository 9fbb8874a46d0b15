/**
 * Helpers for the client-frame tests: build a frame as text, and check what
 * `parseClientFrame` / `parseClientValue` made of it.
 */
import { expect } from "vitest";
import { type ParsedFrame, parseClientFrame } from "../../src/protocol";

/** Pass as `requestId` to leave the field out (a default parameter would turn `undefined` into "r1"). */
export const NO_ID = Symbol("no requestId");

/** A well-formed client frame as text; `requestData` is left out when undefined. */
export function frame(event: unknown, requestData?: unknown, requestId: unknown = "r1"): string {
	return JSON.stringify({
		eventType: "ClientEvent",
		event,
		...(requestId === NO_ID ? {} : { requestId }),
		...(requestData === undefined ? {} : { requestData }),
	});
}

/** Asserts a rejection with `code`, and that `requestId` is echoed exactly when `echoed` is given. */
export function expectError(result: ParsedFrame, code: string, echoed?: string): Extract<ParsedFrame, { ok: false }> {
	expect(result.ok).toBe(false);
	if (result.ok) throw new Error("unreachable");
	expect(result.code).toBe(code);
	expect(typeof result.message).toBe("string");
	expect(result.message.length).toBeGreaterThan(0);
	if (echoed === undefined) expect(result).not.toHaveProperty("requestId");
	else expect(result.requestId).toBe(echoed);
	return result;
}

export function expectOk(result: ParsedFrame) {
	if (!result.ok) throw new Error(`expected ok, got ${result.code}: ${result.message}`);
	return result.frame;
}

export const register = (data: unknown, requestId: unknown = "r1") =>
	parseClientFrame(frame("Register", data, requestId));
export const sendMessage = (data: unknown, requestId: unknown = "r1") =>
	parseClientFrame(frame("SendMessage", data, requestId));
