/**
 * The Worker: routing, request validation and (later) auth. It holds no room state; every
 * room request goes to the room's Durable Object, found by name.
 */
import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type HttpErrorCode, HttpErrors, httpErrorBody, isValidRoomName, parseMessagesQuery } from "../protocol";
import type { Env } from "../settings";

type AppEnv = { Bindings: Env; Variables: { room: string } };

export const app = new Hono<AppEnv>();

function httpError(c: Context, code: HttpErrorCode, message: string): Response {
	return c.json(httpErrorBody(code, message), HttpErrors[code] as ContentfulStatusCode);
}

app.get("/health", (c) => c.json({ ok: true }));

/**
 * Every room route: the name is checked before anything reaches a room. Read from the path
 * itself so that an empty or undecodable name is a BAD_ROOM, not a missing route.
 */
app.use("/rooms/*", async (c, next) => {
	const segment = new URL(c.req.url).pathname.split("/")[2] ?? "";
	let room: string;
	try {
		room = decodeURIComponent(segment);
	} catch {
		room = "";
	}
	if (!isValidRoomName(room)) {
		return httpError(c, "BAD_ROOM", "room names are 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit");
	}
	c.set("room", room);
	await next();
});

app.get("/rooms/:room/ws", async (c) => {
	if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
		return httpError(c, "UPGRADE_REQUIRED", "this endpoint needs a WebSocket upgrade (Upgrade: websocket)");
	}
	// The room's 101 goes back to the client unchanged.
	return roomStub(c.env, c.get("room")).fetch(c.req.raw);
});

app.get("/rooms/:room/users", async (c) => {
	const room = c.get("room");
	const users = await roomStub(c.env, room).listUsers();
	return c.json({ room, users });
});

app.get("/rooms/:room/messages", async (c) => {
	const parsed = parseMessagesQuery(c.req.query());
	if (!parsed.ok) return httpError(c, "BAD_REQUEST", parsed.message);
	const { since, limit } = parsed.query;
	const body = await roomStub(c.env, c.get("room")).messagesPageJson(since, limit);
	return c.body(body, 200, { "Content-Type": "application/json" });
});

app.notFound((c) => httpError(c, "NOT_FOUND", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`));

app.onError((error, c) => {
	console.error(`worker: ${c.req.method} ${new URL(c.req.url).pathname} failed: ${error.stack ?? error.message}`);
	return httpError(c, "INTERNAL", "internal error");
});

function roomStub(env: Env, room: string) {
	return env.ROOMS.get(env.ROOMS.idFromName(room));
}
