/**
 * A Worker with chat rooms under /chat. Sign-in is a session cookie (session.ts); the rooms take
 * the user from it, so a client registers as whoever signed in. A backend route publishes into a
 * room with `getRoom`.
 *
 *   POST /login {"name"}                      sets the session cookie
 *   POST /logout                              clears it
 *   /chat/rooms/:room/ws, …                   the rooms, for signed-in users only
 *   POST /announce {"room", "text", "to"?}    with `Authorization: Bearer ADMIN_KEY`
 */
import { createRoomsApp, getRoom, RoomCallError } from "edge-rooms/server";
import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";
import { ChatRoom } from "./chat-room";
import { login, logout, readSession } from "./session";

export interface Env {
	ROOMS: DurableObjectNamespace<ChatRoom>;
	SESSION_SECRET: string;
	ADMIN_KEY: string;
}

type App = { Bindings: Env };

const app = new Hono<App>();

app.get("/health", (c) => c.json({ ok: true }));

app.use(async (c, next) => {
	if (!c.env.SESSION_SECRET || !c.env.ADMIN_KEY) throw new Error("SESSION_SECRET and ADMIN_KEY must be set");
	await next();
});

// A form on another site must not sign anyone in or out.
app.use("/login", csrf());
app.use("/logout", csrf());
app.post("/login", login);
app.post("/logout", logout);

const rooms = createRoomsApp<Env>({
	authorize: async (request, env) => {
		// A browser sends the cookie with a WebSocket opened by any site's page: only this site's may use it.
		const origin = request.headers.get("Origin");
		if (origin !== null && origin !== new URL(request.url).origin) {
			return Response.json({ error: { code: "FORBIDDEN", message: `${origin} is not this site` } }, { status: 403 });
		}
		const session = await readSession(request, env.SESSION_SECRET);
		if (!session) {
			return Response.json({ error: { code: "UNAUTHORIZED", message: "sign in first" } }, { status: 401 });
		}
		return { userId: session.userId, name: session.name };
	},
});
app.route("/chat", rooms);

app.post(
	"/announce",
	(c, next) => bearerAuth<App>({ token: c.env.ADMIN_KEY })(c, next),
	async (c) => {
		const { room, text, to }: { room?: unknown; text?: unknown; to?: unknown } = await c.req.json().catch(() => ({}));
		if (typeof room !== "string" || typeof text !== "string" || (to !== undefined && typeof to !== "string")) {
			return c.json({ error: { code: "BAD_REQUEST", message: 'expected {"room", "text", "to"?} as JSON' } }, 400);
		}
		// The room's onMessage sees this too: a banned word is refused here as well.
		const options = to === undefined ? { from: "announcer" } : { from: "announcer", to };
		const ack = await getRoom(c.env.ROOMS, room).publish({ text }, options);
		return c.json(ack);
	},
);

/** A refusal from a room keeps its code; anything else is logged, and the client learns nothing of it. */
const STATUS: Partial<Record<RoomCallError["code"], 400 | 403 | 404 | 413>> = {
	BAD_ROOM: 400,
	BAD_REQUEST: 400,
	FORBIDDEN: 403,
	USER_NOT_FOUND: 404,
	MESSAGE_TOO_LARGE: 413,
};
app.onError((error, c) => {
	if (error instanceof HTTPException) return error.getResponse();
	if (error instanceof RoomCallError) {
		const status = STATUS[error.code];
		if (status) return c.json({ error: { code: error.code, message: error.message } }, status);
	}
	console.error(`${c.req.method} ${c.req.path} failed:`, error);
	return c.json({ error: { code: "INTERNAL", message: "internal error" } }, 500);
});

export default app;
export { ChatRoom };
