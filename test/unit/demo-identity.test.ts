/** The demo page's identity from its address, and what it says when the room refuses it. */
import { describe, expect, it } from "vitest";
import { RoomError } from "../../src/client/errors";
import { pageIdentity, readTokenClaims, type TokenClaims } from "../../src/demo/identity";
import { describeProblem, type ProblemContext } from "../../src/demo/problems";
import { roomToken, unsignedToken } from "../support/tokens";

const identityOf = (query: Record<string, string>) => pageIdentity(new URLSearchParams(query));

describe("pageIdentity", () => {
	it("takes the token's sub and name, whatever user= and name= say", async () => {
		const token = await roomToken({ sub: "alice", name: "Alice Ångström 李" });
		expect(identityOf({ room: "r", user: "mallory", name: "Mallory", token })).toMatchObject({
			ok: true,
			userId: "alice",
			name: "Alice Ångström 李",
			token,
		});
	});

	it("names a token's user by name= when the token sets no name, else by its sub", async () => {
		const token = await roomToken({ sub: "dave" });
		expect(identityOf({ token, name: "Dave D." })).toMatchObject({ userId: "dave", name: "Dave D." });
		expect(identityOf({ token })).toMatchObject({ userId: "dave", name: "dave" });
	});

	it("without a token is user=, named by name= or by itself; without either it is no one", () => {
		expect(identityOf({ user: "bob", name: "Bob" })).toMatchObject({ ok: true, userId: "bob", name: "Bob" });
		expect(identityOf({ user: "bob" })).toMatchObject({ ok: true, userId: "bob", name: "bob", token: undefined });
		expect(identityOf({ room: "r" })).toBeUndefined();
		expect(identityOf({ room: "r", user: "" })).toBeUndefined();
	});

	it("says a token without a string sub, or that is no JWT, is not a room token", async () => {
		for (const token of ["not-a-token", "a.b.c", "a.b", await roomToken({ sub: 42 })]) {
			const identity = identityOf({ user: "alice", token });
			expect(identity, token).toMatchObject({ ok: false });
			expect(identity?.ok === false && identity.problem).toMatch(
				/^The token in this page's address is not a room token/,
			);
		}
	});

	it("reads an unsigned token too: the room, not the page, verifies", () => {
		expect(readTokenClaims(unsignedToken("eve"))).toMatchObject({ sub: "eve", name: undefined, rooms: undefined });
	});
});

describe("describeProblem", () => {
	const now = 1_800_000_000;
	const claims = (extra: Partial<TokenClaims> = {}): TokenClaims => ({
		sub: "alice",
		name: undefined,
		exp: now + 600,
		rooms: undefined,
		...extra,
	});
	const context = (extra: Partial<ProblemContext> = {}): ProblemContext => ({
		room: "lobby",
		origin: "https://rooms.example",
		claims: claims(),
		nowSeconds: now,
		...extra,
	});
	const say = (code: RoomError["code"], message: string, extra?: Partial<ProblemContext>) =>
		describeProblem(new RoomError(code, message), context(extra));

	it("says the user was removed (close 4003), or banned (a FORBIDDEN that says so)", () => {
		expect(say("REMOVED", "removed from this room by its backend (4003): removed")).toBe(
			"You were removed from this room. (removed from this room by its backend (4003): removed)",
		);
		expect(say("FORBIDDEN", '"alice" is banned from this room until 2027-01-01T00:00:00.000Z')).toMatch(
			/^You were removed from this room and may not come back yet\./,
		);
	});

	it("tells a missing token from an expired one and from one the room does not accept", () => {
		expect(say("UNAUTHORIZED", "this room needs ?token= (a room token)", { claims: undefined })).toBe(
			"This room needs a token: open the page with &token=… (npm run token mints one). (this room needs ?token= (a room token))",
		);
		expect(say("UNAUTHORIZED", "the token has expired")).toMatch(/^Your token has expired\. Mint a new one/);
		// Expired by the page's clock, whatever the room's words.
		expect(say("UNAUTHORIZED", "the token is not valid", { claims: claims({ exp: now - 1 }) })).toMatch(
			/^Your token has expired/,
		);
		expect(say("UNAUTHORIZED", "the token is not valid")).toMatch(
			/^The room does not accept your token: it was signed with another AUTH_SECRET.*\(the token is not valid\)$/,
		);
		expect(say("UNAUTHORIZED", "the token is not valid yet (nbf or iat in the future)")).toMatch(
			/^Your token is not valid yet/,
		);
	});

	it("tells a room the token does not list from an origin not allowed", () => {
		expect(
			say("FORBIDDEN", 'the token does not allow room "lobby"', { claims: claims({ rooms: ["a", "b"] }) }),
		).toMatch(/^Your token does not let you into this room; it lets you into a, b\./);
		expect(say("FORBIDDEN", "origin https://rooms.example is not allowed")).toMatch(
			/^This page's origin \(https:\/\/rooms\.example\) is not in the room's ALLOWED_ORIGINS\./,
		);
	});

	it("says a full room and too many tabs are for now, and asks about the origin when the room cannot be reached", () => {
		expect(say("ROOM_FULL", "the room is full")).toMatch(/^The room is full; trying again\./);
		expect(say("TOO_MANY_CONNECTIONS", "too many")).toMatch(/^You are in this room in too many tabs already/);
		expect(say("CONNECTION_FAILED", "closed 1006; retrying")).toMatch(
			/^Cannot reach the room; trying again\. If this lasts, is this page's origin \(https:\/\/rooms\.example\) in the room's ALLOWED_ORIGINS\?/,
		);
	});

	it("gives any other refusal its code and the room's message", () => {
		expect(say("BAD_REQUEST", "name must be 1-64 characters")).toBe("BAD_REQUEST: name must be 1-64 characters");
	});
});
