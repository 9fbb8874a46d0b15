/**
 * The rooms app finds the room in the path wherever it is mounted: from the matched pattern's
 * length, not from a fixed position. Checked on the pure reader and through Hono itself, mounted
 * at several prefixes.
 */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { isServerPost, roomPathOf } from "../../src/server/room-path";

describe("roomPathOf", () => {
	it.each([
		["/rooms/lobby/ws", "/rooms/*", "lobby", "ws"],
		["/chat/rooms/lobby/users", "/chat/rooms/*", "lobby", "users"],
		["/rooms/rooms/lobby/ws", "/rooms/rooms/*", "lobby", "ws"],
		["/api/v1/rooms/a.b_c-1/messages", "/api/v1/rooms/*", "a.b_c-1", "messages"],
		["/orgs/acme/rooms/lobby/ws", "/orgs/:org/rooms/*", "lobby", "ws"],
		["/chat/rooms/caf%C3%A9/ws", "/chat/rooms/*", "café", "ws"],
		["/chat/rooms//ws", "/chat/rooms/*", "", "ws"],
		["/chat/rooms/%ZZ/ws", "/chat/rooms/*", undefined, "ws"],
		["/chat/rooms", "/chat/rooms/*", undefined, ""],
	])("reads %s (matched by %s) as room %s", (pathname, routePath, room, rest) => {
		expect(roomPathOf(pathname, routePath)).toEqual({ room, rest });
	});
});

describe("isServerPost", () => {
	it("is a POST to messages or signals right after the room, nothing else", () => {
		expect(isServerPost("POST", "messages")).toBe(true);
		expect(isServerPost("POST", "signals")).toBe(true);
		expect(isServerPost("GET", "messages")).toBe(false);
		expect(isServerPost("POST", "messages/extra")).toBe(false);
		expect(isServerPost("POST", "ws")).toBe(false);
		expect(isServerPost("POST", "")).toBe(false);
	});
});

describe("through Hono's routePath", () => {
	/** A sub-app reading the room as the rooms app does, mounted at `prefix`. */
	function mounted(prefix: string) {
		const rooms = new Hono();
		rooms.use("/rooms/*", async (c, next) => {
			const found = roomPathOf(new URL(c.req.url).pathname, c.req.routePath);
			c.header("X-Room", String(found.room));
			c.header("X-Rest", found.rest);
			await next();
		});
		rooms.get("/rooms/:room/users", (c) => c.text("ok"));
		const app = new Hono();
		app.route(prefix, rooms);
		return app;
	}

	it.each([
		["/", "/rooms/lobby/users"],
		["/chat", "/chat/rooms/lobby/users"],
		["/rooms", "/rooms/rooms/lobby/users"],
		["/a/b/c", "/a/b/c/rooms/lobby/users"],
	])("finds the room when mounted at %s", async (prefix, path) => {
		const response = await mounted(prefix).request(path);
		expect(response.status).toBe(200);
		expect(response.headers.get("X-Room")).toBe("lobby");
		expect(response.headers.get("X-Rest")).toBe("users");
	});
});
