/**
 * The standalone Worker: the health check, every room route at the root (the rooms library's own
 * app), and the answers for everything else. Its rooms are the plain `Room`.
 */
import { Hono } from "hono";
import type { Env } from "../env";
import { httpErrorResponse } from "../protocol";
import { createRoomsApp } from "../server/rooms-app";

export const app = new Hono<{ Bindings: Env }>();

app.get("/health", (c) => c.json({ ok: true }));

app.route("/", createRoomsApp<Env>());

app.notFound((c) => httpErrorResponse("NOT_FOUND", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`));

app.onError((error, c) => {
	console.error(`worker: ${c.req.method} ${new URL(c.req.url).pathname} failed: ${error.stack ?? error.message}`);
	return httpErrorResponse("INTERNAL", "internal error");
});
