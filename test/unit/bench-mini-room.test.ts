/**
 * The peers' `UpdateUser` (bench/servers/mini-room.ts), which (j) floods them with as it floods
 * ours: the user changes, and the others hear of it only when something changed, as the contract says.
 */
import { describe, expect, it } from "vitest";
import { MiniRoster, userChanges } from "../../bench/servers/mini-room";

describe("MiniRoster.update", () => {
	it("replaces the given fields and says whether the user changed", () => {
		const roster = new MiniRoster();
		roster.add("ada", "Ada", 0);
		expect(roster.update("ada", { meta: { cursor: { x: 1 } } })).toMatchObject({
			user: { name: "Ada", meta: { cursor: { x: 1 } } },
			changed: true,
		});
		expect(roster.update("ada", { meta: { cursor: { x: 1 } } })?.changed).toBe(false);
		expect(roster.update("ada", { name: "Ada L." })).toMatchObject({
			user: { name: "Ada L.", meta: { cursor: { x: 1 } } },
			changed: true,
		});
		expect(roster.update("bob", { name: "Bob" })).toBeUndefined();
	});
});

describe("userChanges", () => {
	it("takes a name, a meta object, or both", () => {
		expect(userChanges({ meta: { a: 1 } })).toEqual({ meta: { a: 1 } });
		expect(userChanges({ name: "Ada", meta: {} })).toEqual({ name: "Ada", meta: {} });
	});

	it("answers BAD_REQUEST without either, echoing the request id", () => {
		const error = userChanges({ meta: [1], name: "" }, "u1");
		expect(typeof error).toBe("string");
		expect(JSON.parse(error as string)).toMatchObject({
			event: "Error",
			requestId: "u1",
			data: { code: "BAD_REQUEST" },
		});
	});
});
