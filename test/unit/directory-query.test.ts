/** (1.4) `GET /rooms`'s query: prefix, limit and cursor, each checked and named when bad. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
	decodeDirectoryCursor,
	encodeDirectoryCursor,
	parseDirectoryQuery,
	ROOM_NAME_PATTERN,
} from "../../src/protocol";

const roomName = fc.stringMatching(ROOM_NAME_PATTERN);

describe("directory cursors", () => {
	it("are base64url of the last room name, and give it back (property)", () => {
		fc.assert(
			fc.property(roomName, (name) => {
				const cursor = encodeDirectoryCursor(name);
				expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
				expect(decodeDirectoryCursor(cursor)).toBe(name);
			}),
		);
	});

	it.each([
		["empty", ""],
		["not base64url", "abc+/="],
		["padded", `${encodeDirectoryCursor("lobby")}=`],
		["not a room name", Buffer.from("no room~1").toString("base64url")],
		["a name too long", Buffer.from("a".repeat(65)).toString("base64url")],
		["not the directory's spelling", `${encodeDirectoryCursor("lobbx").slice(0, -1)}y`],
		["far too long", "A".repeat(200)],
	])("refuses a cursor that is %s", (_, cursor) => {
		expect(decodeDirectoryCursor(cursor)).toBeUndefined();
	});
});

describe("parseDirectoryQuery", () => {
	it("defaults to every room, 100 of them, from the first", () => {
		expect(parseDirectoryQuery({})).toEqual({ ok: true, query: { prefix: "", limit: 100 } });
		expect(parseDirectoryQuery({ prefix: "" })).toEqual({ ok: true, query: { prefix: "", limit: 100 } });
	});

	it("takes a prefix, a limit of 1 to 1000 and a cursor", () => {
		const cursor = encodeDirectoryCursor("game-7");
		expect(parseDirectoryQuery({ prefix: "game-", limit: "1000", cursor })).toEqual({
			ok: true,
			query: { prefix: "game-", limit: 1000, after: "game-7" },
		});
		expect(parseDirectoryQuery({ limit: "1" })).toMatchObject({ ok: true, query: { limit: 1 } });
	});

	it.each([
		["0", "limit must be at least 1"],
		["1001", "limit must be at most 1000"],
		["-1", "limit must be a whole number"],
		["2.5", "limit must be a whole number"],
		["ten", "limit must be a whole number"],
		["", "limit must be a whole number"],
	])("refuses limit=%s", (limit, message) => {
		expect(parseDirectoryQuery({ limit })).toEqual({ ok: false, message });
	});

	it.each([["-game"], ["a b"], ["room~1"], ["é"], ["a".repeat(65)]])(
		"refuses prefix=%s, which no room name starts with",
		(prefix) => {
			expect(parseDirectoryQuery({ prefix })).toMatchObject({ ok: false, message: expect.stringMatching(/^prefix /) });
		},
	);

	it("refuses a cursor no page gave", () => {
		expect(parseDirectoryQuery({ cursor: "@@" })).toEqual({
			ok: false,
			message: "cursor is not one a page of GET /rooms gave",
		});
	});
});
