import { describe, expect, it } from "vitest";
import { readVerifiedIdentity, VERIFIED_IDENTITY_HEADER, withVerifiedIdentity } from "../../src/room/handoff";

const upgrade = (url: string, headers: Record<string, string> = {}) =>
	new Request(url, { headers: { Upgrade: "websocket", ...headers } });

describe("withVerifiedIdentity", () => {
	it("passes a request with nothing to take out or add on as it is", () => {
		const request = upgrade("http://rooms.test/rooms/r/ws");
		expect(withVerifiedIdentity(request, undefined)).toBe(request);
	});

	it("takes out a client's own identity header, even without a query", () => {
		const forwarded = withVerifiedIdentity(
			upgrade("http://rooms.test/rooms/r/ws", { [VERIFIED_IDENTITY_HEADER]: '{"userId":"mallory"}' }),
			undefined,
		);
		expect(forwarded.headers.has(VERIFIED_IDENTITY_HEADER)).toBe(false);
		expect(readVerifiedIdentity(forwarded)).toBeUndefined();
		expect(forwarded.headers.get("Upgrade")).toBe("websocket");
	});

	it("takes the token out of the URL and keeps the rest of the query", () => {
		const forwarded = withVerifiedIdentity(upgrade("http://rooms.test/rooms/r/ws?token=secret&x=1"), undefined);
		expect(new URL(forwarded.url).searchParams.has("token")).toBe(false);
		expect(new URL(forwarded.url).searchParams.get("x")).toBe("1");
	});

	it("sets the verified identity in place of the client's", () => {
		const forwarded = withVerifiedIdentity(
			upgrade("http://rooms.test/rooms/r/ws?token=t", { [VERIFIED_IDENTITY_HEADER]: '{"userId":"mallory"}' }),
			{ userId: "alice", name: "Älice" },
		);
		expect(readVerifiedIdentity(forwarded)).toEqual({ userId: "alice", name: "Älice" });
	});
});
