/**
 * Every room route of the contract as a Hono app, mountable at any prefix: routing, request
 * validation and access control. It holds no room state; every room request goes to the room's
 * Durable Object, found by name in the namespace bound as `binding`.
 */
import { type Context, Hono } from "hono";
import type { RoomsEnv } from "../env";
import {
	type HttpErrorCode,
	httpErrorCodeOf,
	httpErrorResponse,
	isValidRoomName,
	parseMessagesQuery,
	parseServerPost,
	parseUsersQuery,
	type ServerPost,
	type ServerPostField,
} from "../protocol";
import {
	checkIdentity,
	isWebSocketUpgrade,
	TICKET_HEADER,
	type VerifiedIdentity,
	withVerifiedIdentity,
} from "../room/handoff";
import type { Room } from "../room/room";
import { ROOT_SHARD, shardObjectName } from "../room/shards/names";
import { TEST_ROOT_BINDING, testNamespace } from "../room/shards/shard-link";
import { placementOf } from "../room/shards/upgrades";
import { readSettings } from "../settings";
import { checkRoomToken, originAllowed, publishKeyMatches, readAccess } from "../worker/access";
import { readBodyText } from "../worker/body";
import { answerRemoval } from "./remove-route";
import { answerDirectory } from "./room-directory";
import { BAD_ROOM_TEXT, isServerPost, roomPathOf } from "./room-path";

/** Who a connection is, as your own sign-in decided: bound to it as a room token's `sub` and `name` are. */
export interface RoomIdentity {
	userId: string;
	/** When given, the user's name in the room: the client cannot choose another. */
	name?: string;
}

export interface RoomsAppOptions<E extends object = RoomsEnv> {
	/**
	 * Who the request is from, for every member route (the socket, users, occupancy, messages):
	 * an identity binds the connection to it, a `Response` is sent as the refusal, and undefined
	 * leaves it to the room tokens (`AUTH_SECRET`). The server routes (POST messages, signals) use
	 * `PUBLISH_KEY` instead and never reach it.
	 */
	authorize?: (
		request: Request,
		env: E,
	) => RoomIdentity | Response | undefined | Promise<RoomIdentity | Response | undefined>;
	/** The name of the Durable Object namespace binding for `Room`; `ROOMS` by default. */
	binding?: string;
}

type AppEnv<E extends object> = {
	Bindings: E;
	Variables: { room: string; serverPost: boolean; identity: VerifiedIdentity | undefined };
};
type RoomsContext<E extends object> = Context<AppEnv<E>>;

/** The room routes: `app.route("/chat", createRoomsApp())` serves `/chat/rooms/:room/ws`, and so on. */
export function createRoomsApp<E extends object = RoomsEnv>(options: RoomsAppOptions<E> = {}): Hono<{ Bindings: E }> {
	const app = new Hono<AppEnv<E>>();
	const binding = options.binding ?? "ROOMS";
	/** The room's root, or (1.3) its object `shard`. */
	const room = (c: RoomsContext<E>, shard = ROOT_SHARD) => {
		const testRoot = shard === ROOT_SHARD ? testNamespace(c.env, TEST_ROOT_BINDING) : undefined;
		const namespace = (testRoot ?? (c.env as Record<string, unknown>)[binding]) as
			| DurableObjectNamespace<Room<unknown>>
			| undefined;
		if (!namespace || typeof namespace.idFromName !== "function") {
			throw new Error(`no Durable Object namespace is bound as ${binding} (a [[durable_objects.bindings]] for Room)`);
		}
		return namespace.get(namespace.idFromName(shardObjectName(c.get("room"), shard)));
	};

	/** (1.4) The directory of occupied rooms, for backends: before the room routes, which `/rooms` alone does not name. */
	app.get("/rooms", (c) => answerDirectory(c.req.raw, c.env, binding));

	/** A page on another origin may read why its socket is refused: an error body, nothing of the room's. */
	app.use("/rooms/:room/ws", async (c, next) => {
		await next();
		if (isWebSocketUpgrade(c.req.raw)) return;
		c.res = new Response(c.res.body, c.res);
		c.res.headers.set("Access-Control-Allow-Origin", "*");
	});

	/** The name is checked before anything reaches a room; an empty or undecodable one is a BAD_ROOM, not a missing route. */
	app.use("/rooms/*", async (c, next) => {
		const { room: name, rest } = roomPathOf(new URL(c.req.url).pathname, c.req.routePath);
		if (name === undefined || !isValidRoomName(name)) return httpErrorResponse("BAD_ROOM", BAD_ROOM_TEXT);
		c.set("room", name);
		c.set("serverPost", isServerPost(c.req.method, rest));
		await next();
	});

	/** Who a member is: the Worker's own `authorize`, else a room token (`?token=`, browsers cannot set headers on a WebSocket) when `AUTH_SECRET` is set. */
	app.use("/rooms/*", async (c, next) => {
		c.set("identity", undefined);
		if (c.get("serverPost")) return next();
		const decided = options.authorize ? await options.authorize(c.req.raw, c.env) : undefined;
		if (decided instanceof Response) return decided;
		if (decided !== undefined) {
			const checked = checkIdentity(decided);
			if (!checked.ok) {
				console.warn(
					`rooms: room "${c.get("room")}": authorize returned an identity that is not valid: ${checked.message}`,
				);
				return httpErrorResponse("UNAUTHORIZED", `the identity authorize returned is not valid: ${checked.message}`);
			}
			c.set("identity", checked.identity);
			return next();
		}
		const { authSecret } = readAccess(c.env as RoomsEnv);
		if (authSecret === undefined) return next();
		// (1.5) An MQTT client may bring its token as the CONNECT password instead: the room checks it.
		if (new URL(c.req.url).pathname.endsWith("/mqtt") && !c.req.query("token")) return next();
		const token = await checkRoomToken(c.req.query("token"), authSecret, c.get("room"));
		if (!token.ok) return httpErrorResponse(token.code, token.message);
		const { sub, name } = token.claims;
		c.set("identity", name === undefined ? { userId: sub } : { userId: sub, name });
		await next();
	});

	/**
	 * The upgrade. Without `Upgrade: websocket` the same checks run and the first refusal an upgrade
	 * would get is the answer (`426` only when there is none): a browser's WebSocket hides the
	 * upgrade's status, so the client library asks this way why its attempts fail.
	 */
	app.get("/rooms/:room/ws", (c) => upgrade(c));

	/** (1.5) An MQTT 3.1.1 session (subprotocol `mqtt`), checked and placed as any room connection. */
	app.get("/rooms/:room/mqtt", (c) => {
		if (isWebSocketUpgrade(c.req.raw) && !offersMqtt(c.req.header("Sec-WebSocket-Protocol"))) {
			return httpErrorResponse("BAD_REQUEST", "an MQTT session offers the WebSocket subprotocol mqtt");
		}
		return upgrade(c);
	});

	const upgrade = async (c: RoomsContext<E>) => {
		const origin = c.req.header("Origin");
		if (!originAllowed(origin, readAccess(c.env as RoomsEnv).allowedOrigins)) {
			return httpErrorResponse("FORBIDDEN", `origin ${origin} is not allowed`);
		}
		// The room decides ROOM_FULL and TOO_MANY_CONNECTIONS; its answer, 101 or error, goes back unchanged,
		// unless (1.3) it places the connection on one of its shards: then the shard's answer does.
		const request = withVerifiedIdentity(c.req.raw, c.get("identity"));
		const answer = await room(c).fetch(request);
		const placed = placementOf(answer);
		if (!placed) return answer;
		const forwarded = new Request(request);
		forwarded.headers.set(TICKET_HEADER, placed.ticket);
		return room(c, placed.shard).fetch(forwarded);
	};

	app.get("/rooms/:room/users", async (c) => {
		const parsed = parseUsersQuery(c.get("room"), c.req.query());
		if (!parsed.ok) return httpErrorResponse("BAD_REQUEST", parsed.message);
		return c.json(await room(c).usersPage(parsed.query));
	});

	app.get("/rooms/:room/occupancy", async (c) => c.json(await room(c).occupancy()));

	app.get("/rooms/:room/messages", async (c) => {
		const parsed = parseMessagesQuery(c.req.query());
		if (!parsed.ok) return httpErrorResponse("BAD_REQUEST", parsed.message);
		const { since, limit } = parsed.query;
		const body = await room(c).messagesPageJson(since, limit);
		return c.body(body, 200, { "Content-Type": "application/json" });
	});

	/** Server publish: a backend posts a stored message with `Authorization: Bearer PUBLISH_KEY`. */
	app.post("/rooms/:room/messages", async (c) => {
		const checked = await readServerPost(c, "message");
		if (!checked.ok) return checked.response;
		const { value, from, to } = checked.post;
		const result = await room(c).publish(JSON.stringify(value), from, to);
		if (!result.ok) return httpErrorResponse(httpErrorCodeOf(result.code), result.message);
		return c.json(result.ack, 201);
	});

	/** Server signal: the same key, an ephemeral `Signal` delivered and never stored. */
	app.post("/rooms/:room/signals", async (c) => {
		const checked = await readServerPost(c, "signal");
		if (!checked.ok) return checked.response;
		const { value, from, to } = checked.post;
		const result = await room(c).signal(JSON.stringify(value), from, to);
		if (!result.ok) return httpErrorResponse(httpErrorCodeOf(result.code), result.message);
		return c.json({}, 202);
	});

	/** (1.4) A backend removes (and may ban) a user, with the same key as server publish. */
	app.delete("/rooms/:room/users/:userId", (c) =>
		answerRemoval(c.req.raw, c.env as RoomsEnv, c.req.param("userId"), () => room(c)),
	);

	app.onError((error, c) => {
		console.error(`rooms: ${c.req.method} ${new URL(c.req.url).pathname} failed: ${error.stack ?? error.message}`);
		return httpErrorResponse("INTERNAL", "internal error");
	});

	return app as unknown as Hono<{ Bindings: E }>;
}

/** Whether a `Sec-WebSocket-Protocol` header offers `mqtt`. */
function offersMqtt(header: string | undefined): boolean {
	return (header ?? "").split(",").some((offered) => offered.trim() === "mqtt");
}

/** A server route's key, then its body: within MAX_MESSAGE_BYTES, UTF-8, JSON, and checked. */
async function readServerPost<E extends object>(
	c: RoomsContext<E>,
	field: ServerPostField,
): Promise<{ ok: true; post: ServerPost } | { ok: false; response: Response }> {
	const refuse = (code: HttpErrorCode, message: string) => ({
		ok: false as const,
		response: httpErrorResponse(code, message),
	});
	const env = c.env as RoomsEnv;
	const { publishKey } = readAccess(env);
	if (publishKey === undefined) return refuse("FORBIDDEN", "server routes are off: PUBLISH_KEY is not set");
	if (!(await publishKeyMatches(c.req.header("Authorization"), publishKey))) {
		return refuse("UNAUTHORIZED", "Authorization: Bearer <PUBLISH_KEY> is missing or wrong");
	}
	const { maxMessageBytes } = readSettings(env);
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
