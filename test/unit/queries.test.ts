import { describe, expect, it } from "vitest";
import { parseMessagesQuery, parseRemoveQuery } from "../../src/protocol";

describe("parseMessagesQuery", () => {
	it("defaults to since 0 and limit 100", () => {
		expect(parseMessagesQuery({})).toEqual({ ok: true, query: { since: 0, limit: 100 } });
	});

	it("reads both as numbers, up to limit 500", () => {
		expect(parseMessagesQuery({ since: "42", limit: "500" })).toEqual({ ok: true, query: { since: 42, limit: 500 } });
		expect(parseMessagesQuery({ since: "007", limit: "1" })).toEqual({ ok: true, query: { since: 7, limit: 1 } });
	});

	it("ignores other parameters (a token, a cache buster)", () => {
		expect(parseMessagesQuery({ token: "x", _: "1" })).toEqual({ ok: true, query: { since: 0, limit: 100 } });
	});

	it.each([
		[{ since: "-1" }, "since must be a whole number"],
		[{ since: " 1" }, "since must be a whole number"],
		[{ since: "0x10" }, "since must be a whole number"],
		[{ since: "9007199254740992" }, "since must be at most 9007199254740991"],
		[{ limit: "0" }, "limit must be at least 1"],
		[{ limit: "501" }, "limit must be at most 500"],
		[{ limit: "" }, "limit must be a whole number"],
	])("refuses %j: %s", (params, message) => {
		expect(parseMessagesQuery(params)).toEqual({ ok: false, message });
	});
});

describe("parseRemoveQuery (1.4)", () => {
	it("defaults to no ban and reads 0 to 604800 seconds", () => {
		expect(parseRemoveQuery({})).toEqual({ ok: true, query: { banSeconds: 0 } });
		expect(parseRemoveQuery({ banSeconds: "604800" })).toEqual({ ok: true, query: { banSeconds: 604_800 } });
	});

	it.each([
		[{ banSeconds: "-1" }, "banSeconds must be a whole number"],
		[{ banSeconds: "1.5" }, "banSeconds must be a whole number"],
		[{ banSeconds: "" }, "banSeconds must be a whole number"],
		[{ banSeconds: "604801" }, "banSeconds must be at most 604800"],
	])("refuses %j: %s", (params, message) => {
		expect(parseRemoveQuery(params)).toEqual({ ok: false, message });
	});
});
