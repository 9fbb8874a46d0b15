/**
 * (1.4) `GET /rooms` over HTTP, with every access control on: backends only (PUBLISH_KEY, never
 * a member's token), a bad query named, and the page's shape.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { encodeDirectoryCursor } from "../../src/protocol";
import { randomRoom } from "../support/client";
import { TEST_PUBLISH_KEY } from "../support/pinned-vars";
import { roomToken } from "../support/tokens";
import { joinWithToken } from "../workerd/connect";

function directory(query: string, authorization: string | null = `Bearer ${TEST_PUBLISH_KEY}`) {
	const headers: Record<string, string> = authorization === null ? {} : { Authorization: authorization };
	return exports.default.fetch(`http://rooms.test/rooms${query}`, { headers });
}

async function errorOf(response: Response) {
	return ((await response.json()) as { error: { code: string; message: string } }).error;
}

describe("GET /rooms", () => {
	it("answers the occupied rooms with the prefix, with their counts", async () => {
		const prefix = randomRoom("dirh");
		const [first, second] = [`${prefix}-a`, `${prefix}-b`];
		await joinWithToken(first, "alice");
		await joinWithToken(first, "bob");
		await joinWithToken(second, "carol");
		await vi.waitFor(
			async () => {
				const response = await directory(`?prefix=${prefix}`);
				expect(response.status).toBe(200);
				expect(response.headers.get("content-type")).toMatch(/application\/json/);
				expect(await response.json()).toEqual({
					rooms: [
						{ room: first, userCount: 2, connectionCount: 2, occupiedAt: expect.any(Number) },
						{ room: second, userCount: 1, connectionCount: 1, occupiedAt: expect.any(Number) },
					],
				});
			},
			{ timeout: 5000, interval: 20 },
		);
		const page = await directory(`?prefix=${prefix}&limit=1`);
		const body = (await page.json()) as { rooms: { room: string }[]; cursor?: string };
		expect(body.rooms.map((entry) => entry.room)).toEqual([first]);
		expect(body.cursor).toBe(encodeDirectoryCursor(first));
		const next = (await (await directory(`?prefix=${prefix}&limit=1&cursor=${body.cursor}`)).json()) as typeof body;
		expect(next.rooms.map((entry) => entry.room)).toEqual([second]);
		expect(next.cursor).toBeUndefined();
	});

	it.each([
		["no Authorization", null],
		["a wrong key", "Bearer not-the-key"],
		["not a Bearer", `Basic ${TEST_PUBLISH_KEY}`],
	])("refuses %s with 401 UNAUTHORIZED", async (_, authorization) => {
		const response = await directory("", authorization);
		expect(response.status).toBe(401);
		expect((await errorOf(response)).code).toBe("UNAUTHORIZED");
	});

	it("refuses a member's room token: the directory is for backends", async () => {
		const token = await roomToken({ sub: "alice" });
		const response = await exports.default.fetch(`http://rooms.test/rooms?token=${token}`);
		expect(response.status).toBe(401);
		expect((await directory("", `Bearer ${token}`)).status).toBe(401);
	});

	it.each([
		["?limit=0", "limit must be at least 1"],
		["?limit=1001", "limit must be at most 1000"],
		["?limit=x", "limit must be a whole number"],
		["?cursor=nope!", "cursor is not one a page of GET /rooms gave"],
		["?prefix=-x", "prefix must be the start of a room name"],
	])("refuses %s with 400 BAD_REQUEST", async (query, message) => {
		const response = await directory(query);
		expect(response.status).toBe(400);
		const error = await errorOf(response);
		expect(error.code).toBe("BAD_REQUEST");
		expect(error.message).toContain(message);
	});
});
