/**
 * The Worker: routing, request validation and (later) auth. It holds no room state; every
 * room request goes to the room's Durable Object, found by name.
 */
import { Hono } from "hono";
import { isValidRoomName } from "../protocol";
import type { Env } from "../settings";
import { httpError } from "./errors";

type AppEnv = { Bindings: Env; Variables: { room: string } };

export const app = new Hono<AppEnv>();

app.get("/health", (c) => c.json({ ok: true }));

/** Every room route: the name is checked before anything else reaches the room. */
app.use("/rooms/:room/*", async (c, next) => {
	const room = c.req.param("room");
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

app.notFound((c) => httpError(c, "NOT_FOUND", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`));

app.onError((error, c) => {
	console.error(`worker: ${c.req.method} ${new URL(c.req.url).pathname} failed: ${error.stack ?? error.message}`);
	return httpError(c, "INTERNAL", "internal error");
});

function roomStub(env: Env, room: string) {
	return env.ROOMS.get(env.ROOMS.idFromName(room));
}
