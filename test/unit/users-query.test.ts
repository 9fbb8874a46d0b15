import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeUsersCursor, encodeUsersCursor, parseUsersQuery } from "../../src/protocol";

const ROOM = "lobby";
const cursorAfter = (joinedAt: number, userId: string) => encodeUsersCursor(ROOM, { joinedAt, userId });

/** base64url of any text, as a client that forges a cursor would make it. */
function base64url(text: string): string {
	return Buffer.from(text, "utf8").toString("base64url");
}

describe("users cursors", () => {
	it("are base64url, and name the place they were made for", () => {
		const cursor = cursorAfter(1_700_000_000_000, "ann");
		expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
		expect(decodeUsersCursor(ROOM, cursor)).toEqual({ joinedAt: 1_700_000_000_000, userId: "ann" });
	});

	it("carry any userId the contract allows, whatever its characters (property)", () => {
		const userId = fc.string({ minLength: 1, maxLength: 64, unit: "binary" }).filter((id) => id.isWellFormed());
		const joinedAt = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
		fc.assert(
			fc.property(userId, joinedAt, (id, at) => {
				const cursor = cursorAfter(at, id);
				expect(cursor.length).toBeLessThanOrEqual(1024);
				expect(decodeUsersCursor(ROOM, cursor)).toEqual({ joinedAt: at, userId: id });
			}),
		);
	});

	it("of one room are refused by another", () => {
		expect(decodeUsersCursor("other", cursorAfter(5, "ann"))).toBeUndefined();
	});

	it.each([
		["empty", ""],
		["not base64url", "abc+/="],
		["padded", `${cursorAfter(5, "ann")}=`],
		["not JSON", base64url("hello")],
		["JSON of another shape", base64url(JSON.stringify({ room: ROOM, joinedAt: 5, userId: "ann" }))],
		["an extra element", base64url(JSON.stringify([ROOM, 5, "ann", 1]))],
		["a negative joinedAt", base64url(JSON.stringify([ROOM, -1, "ann"]))],
		["a fractional joinedAt", base64url(JSON.stringify([ROOM, 1.5, "ann"]))],
		["an unsafe joinedAt", base64url(JSON.stringify([ROOM, 2 ** 53, "ann"]))],
		["an empty userId", base64url(JSON.stringify([ROOM, 5, ""]))],
		["a userId over 64 characters", base64url(JSON.stringify([ROOM, 5, "u".repeat(65)]))],
		["a lone surrogate", base64url(JSON.stringify([ROOM, 5, "\ud800"]))],
		["another spelling of the same JSON", base64url(JSON.stringify([ROOM, 5, "ann"]).replace(",", ", "))],
		["invalid UTF-8", Buffer.from([0x5b, 0xff, 0x5d]).toString("base64url")],
		["too long", "A".repeat(1025)],
	])("refuse one that is %s", (_what, cursor) => {
		expect(decodeUsersCursor(ROOM, cursor)).toBeUndefined();
	});
});

describe("parseUsersQuery", () => {
	it("asks for every user without limit or cursor, as before paging", () => {
		expect(parseUsersQuery(ROOM, {})).toEqual({ ok: true, query: {} });
		expect(parseUsersQuery(ROOM, { token: "x", _: "1" })).toEqual({ ok: true, query: {} });
	});

	it("reads limit 1-1000 and the room's own cursor", () => {
		expect(parseUsersQuery(ROOM, { limit: "1" })).toEqual({ ok: true, query: { limit: 1 } });
		expect(parseUsersQuery(ROOM, { limit: "1000", cursor: cursorAfter(7, "bob") })).toEqual({
			ok: true,
			query: { limit: 1000, after: { joinedAt: 7, userId: "bob" } },
		});
		expect(parseUsersQuery(ROOM, { cursor: cursorAfter(7, "bob") })).toEqual({
			ok: true,
			query: { after: { joinedAt: 7, userId: "bob" } },
		});
	});

	it.each([
		[{ limit: "0" }, "limit must be at least 1"],
		[{ limit: "1001" }, "limit must be at most 1000"],
		[{ limit: "" }, "limit must be a whole number"],
		[{ limit: "-1" }, "limit must be a whole number"],
		[{ limit: "1.5" }, "limit must be a whole number"],
		[{ limit: "ten" }, "limit must be a whole number"],
		[{ limit: "10", cursor: "" }, "cursor is not one this room's users page gave"],
		[{ limit: "10", cursor: "garbage!" }, "cursor is not one this room's users page gave"],
		[
			{ limit: "10", cursor: encodeUsersCursor("other", { joinedAt: 1, userId: "a" }) },
			"cursor is not one this room's users page gave",
		],
	])("refuses %j: %s", (params, message) => {
		expect(parseUsersQuery(ROOM, params)).toEqual({ ok: false, message });
	});
});
