import { describe, expect, it } from "vitest";
import { closeReplyCode, isPeerGoneError, isSendableCloseCode } from "../../src/room/close-reply";

describe("closeReplyCode", () => {
	it.each([
		[1000, 1000],
		[1001, 1001],
		[1011, 1011],
		[4000, 4000],
		[4999, 4999],
		[3000, 3000],
	])("echoes a code the peer sent cleanly (%d)", (code, reply) => {
		expect(closeReplyCode(code, true)).toBe(reply);
	});

	it("answers a Close frame without a code (1005) with 1000, completing the handshake", () => {
		expect(closeReplyCode(1005, true)).toBe(1000);
	});

	it.each([1006, 1015])("sends nothing for %d: no Close frame came and the transport is gone", (code) => {
		expect(closeReplyCode(code, true)).toBeUndefined();
		expect(closeReplyCode(code, false)).toBeUndefined();
	});

	it("sends nothing after an unclean close, whatever its code", () => {
		expect(closeReplyCode(1000, false)).toBeUndefined();
		expect(closeReplyCode(4000, false)).toBeUndefined();
	});

	it.each([999, 1004, 1016, 2999, 5000])("answers a code no endpoint may send (%d) with 1000", (code) => {
		expect(closeReplyCode(code, true)).toBe(1000);
	});
});

describe("isSendableCloseCode", () => {
	it("follows RFC 6455 7.4", () => {
		const sendable = [999, 1000, 1003, 1004, 1005, 1006, 1007, 1014, 1015, 2999, 3000, 4999, 5000].filter(
			isSendableCloseCode,
		);
		expect(sendable).toEqual([1000, 1003, 1007, 1014, 3000, 4999]);
	});
});

describe("isPeerGoneError", () => {
	const lost = new Error("Network connection lost.");
	it("is a peer that went away while the socket closes or is closed", () => {
		expect(isPeerGoneError(WebSocket.CLOSING, lost)).toBe(true);
		expect(isPeerGoneError(WebSocket.CLOSED, new Error("WebSocket peer disconnected"))).toBe(true);
		expect(isPeerGoneError(WebSocket.CLOSED, Object.assign(new Error("other"), { retryable: true }))).toBe(true);
	});

	it("is not an error on an open socket, nor any other error", () => {
		expect(isPeerGoneError(WebSocket.OPEN, lost)).toBe(false);
		expect(isPeerGoneError(WebSocket.CLOSED, new Error("Parser error"))).toBe(false);
		expect(isPeerGoneError(WebSocket.CLOSED, "Network connection lost")).toBe(false);
	});
});
