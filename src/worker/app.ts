/**
 * The Worker: routing, request validation and access control. It holds no room state; every
 * room request goes to the room's Durable Object, found by name.
 */
import { type Context, Hono } from "hono";
import type { Env } from "../env";
import {
	type HttpErrorCode,
	httpErrorCodeOf,
	httpErrorResponse,
	isValidRoomName,
	parseMessagesQuery,
	parseServerPost,
	type ServerPost,
	type ServerPostField,
} from "../protocol";
import { isWebSocketUpgrade, type VerifiedIdentity, withVerifiedIdentity } from "../room/handoff";
import { readSettings } from "../settings";
import { checkRoomToken, originAllowed, publishKeyMatches, readAccess } from "./access";
import { readBodyText } from "./body";

type AppEnv = { Bindings: Env; Variables: { room: string; identity: VerifiedIdentity | undefined } };

export const app = new Hono<AppEnv>();

app.get("/health", (c) => c.json({ ok: true }));

/** A page on another origin may read why its socket is refused: an error body, nothing of the room's. */
app.use("/rooms/:room/ws", async (c, next) => {
	await next();
	if (isWebSocketUpgrade(c.req.raw)) return;
	c.res = new Response(c.res.body, c.res);
	c.res.headers.set("Access-Control-Allow-Origin", "*");
});

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
		return httpErrorResponse("BAD_ROOM", "room names are 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit");
	}
	c.set("room", room);
	await next();
});

/** Server publish and server signal have their own key; every other room request is a member's. */
const isServerPost = (c: Context) => c.req.method === "POST" && /^\/rooms\/[^/]+\/(messages|signals)$/.test(c.req.path);

/** With `AUTH_SECRET` set, room requests (all but the server routes) carry `?token=`; browsers cannot set headers on a WebSocket. */
app.use("/rooms/*", async (c, next) => {
	const { authSecret } = readAccess(c.env);
	if (authSecret === undefined || isServerPost(c)) {
		c.set("identity", undefined);
		return next();
	}
	const checked = await checkRoomToken(c.req.query("token"), authSecret, c.get("room"));
	if (!checked.ok) return httpErrorResponse(checked.code, checked.message);
	const { sub, name } = checked.claims;
	c.set("identity", name === undefined ? { userId: sub } : { userId: sub, name });
	await next();
});

/**
 * The upgrade. Without `Upgrade: websocket` the same checks run and the first refusal an upgrade
 * would get is the answer (`426` only when there is none): a browser's WebSocket hides the
 * upgrade's status, so the client library asks this way why its attempts fail.
 */
app.get("/rooms/:room/ws", async (c) => {
	const origin = c.req.header("Origin");
	if (!originAllowed(origin, readAccess(c.env).allowedOrigins)) {
		return httpErrorResponse("FORBIDDEN", `origin ${origin} is not allowed`);
	}
	// The room decides ROOM_FULL and TOO_MANY_CONNECTIONS; its answer, 101 or error, goes back unchanged.
	return roomStub(c.env, c.get("room")).fetch(withVerifiedIdentity(c.req.raw, c.get("identity")));
});

app.get("/rooms/:room/users", async (c) => {
	return c.json(await roomStub(c.env, c.get("room")).usersPage());
});

app.get("/rooms/:room/occupancy", async (c) => {
	return c.json(await roomStub(c.env, c.get("room")).occupancy());
});

app.get("/rooms/:room/messages", async (c) => {
	const parsed = parseMessagesQuery(c.req.query());
	if (!parsed.ok) return httpErrorResponse("BAD_REQUEST", parsed.message);
	const { since, limit } = parsed.query;
	const body = await roomStub(c.env, c.get("room")).messagesPageJson(since, limit);
	return c.body(body, 200, { "Content-Type": "application/json" });
});

/** Server publish: a backend posts a stored message with `Authorization: Bearer PUBLISH_KEY`. */
app.post("/rooms/:room/messages", async (c) => {
	const checked = await readServerPost(c, "message");
	if (!checked.ok) return checked.response;
	const { value, from, to } = checked.post;
	const result = await roomStub(c.env, c.get("room")).publish(JSON.stringify(value), from, to);
	if (!result.ok) return httpErrorResponse(httpErrorCodeOf(result.code), result.message);
	return c.json(result.ack, 201);
});

/** Server signal: the same key, an ephemeral `Signal` delivered and never stored. */
app.post("/rooms/:room/signals", async (c) => {
	const checked = await readServerPost(c, "signal");
	if (!checked.ok) return checked.response;
	const { value, from, to } = checked.post;
	const result = await roomStub(c.env, c.get("room")).signal(JSON.stringify(value), from, to);
	if (!result.ok) return httpErrorResponse(httpErrorCodeOf(result.code), result.message);
	return c.json({}, 202);
});

/** A server route's key, then its body: within MAX_MESSAGE_BYTES, UTF-8, JSON, and checked. */
async function readServerPost(
	c: Context<AppEnv>,
	field: ServerPostField,
): Promise<{ ok: true; post: ServerPost } | { ok: false; response: Response }> {
	const refuse = (code: HttpErrorCode, message: string) => ({
		ok: false as const,
		response: httpErrorResponse(code, message),
	});
	const { publishKey } = readAccess(c.env);
	if (publishKey === undefined) return refuse("FORBIDDEN", "server routes are off: PUBLISH_KEY is not set");
	if (!(await publishKeyMatches(c.req.header("Authorization"), publishKey))) {
		return refuse("UNAUTHORIZED", "Authorization: Bearer <PUBLISH_KEY> is missing or wrong");
	}
	const { maxMessageBytes } = readSettings(c.env);
	const body = await readBodyText(c.req.raw, maxMessageBytes);
	if (!body.ok && body.problem === "too large")
		return refuse("MESSAGE_TOO_LARGE", `body exceeds ${maxMessageBytes} bytes`);
	if (!body.ok) return refuse("BAD_REQUEST", "body is not valid UTF-8");
	let value: unknown;
	try {
		value = JSON.parse(body.text);
	} catch {
		return refuse("BAD_REQUEST", "body is not valid JSON");
	}
	const parsed = parseServerPost(value, field);
	return parsed.ok ? parsed : refuse("BAD_REQUEST", parsed.message);
}

app.notFound((c) => httpErrorResponse("NOT_FOUND", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`));

app.onError((error, c) => {
	console.error(`worker: ${c.req.method} ${new URL(c.req.url).pathname} failed: ${error.stack ?? error.message}`);
	return httpErrorResponse("INTERNAL", "internal error");
});

function roomStub(env: Env, room: string) {
	return env.ROOMS.get(env.ROOMS.idFromName(room));
}
