/**
 * A Worker built on edge-rooms/server as a user's would be: its own Hono app, the rooms mounted
 * under `/chat` with an `authorize` of its own, a backend route that publishes with `getRoom`, and
 * a Room subclass with hooks whose behaviour the tests choose through what they send. Every hook
 * call is recorded by room name, in this module, which the tests share with the rooms.
 */
import { Hono } from "hono";
import {
	createRoomsApp,
	getRoom,
	type IncomingMessage,
	type JsonValue,
	type LeaveReason,
	type MessageDecision,
	Room,
	type RoomsEnv,
	refuse,
	type User,
} from "../../src/server";

export interface HooksEnv extends RoomsEnv {
	ROOMS: DurableObjectNamespace<HookedRoom>;
	PLAIN_ROOMS: DurableObjectNamespace<PlainRoom>;
}

/** What each room's hooks were called with, in order, and by which instance. */
export const hookCalls = new Map<string, string[]>();
let instances = 0;

export function callsOf(room: string): string[] {
	return hookCalls.get(room) ?? [];
}

/** The header the test `authorize` reads: a userId, `refuse`, `invalid`, `throw`; absent: the token rules. */
export const TEST_USER_HEADER = "X-Test-User";

/** Message values that make `onMessage` misbehave on purpose. */
export const Misbehave = {
	throws: "hook:throw",
	async: "hook:async",
	infinite: "hook:replace-infinite",
	huge: "hook:replace-huge",
	unknownCode: "hook:unknown-code",
	nothingKnown: "hook:unknown-decision",
} as const;

export class HookedRoom extends Room<HooksEnv> {
	readonly instance = ++instances;

	override onMessage({ room, from, to, message, source }: IncomingMessage): MessageDecision {
		this.#record(`message ${source} ${from.userId}${to ? `>${to}` : ""} ${JSON.stringify(message)}`);
		if (room !== this.roomName) throw new Error(`onMessage for "${room}" in room "${this.roomName}"`);
		if (typeof message === "string" && message.includes("banned")) return refuse("FORBIDDEN", "no banned words here");
		if (message === Misbehave.throws) throw new Error("onMessage failed on purpose");
		if (message === Misbehave.async) return Promise.resolve(undefined) as unknown as MessageDecision;
		if (message === Misbehave.infinite) return { message: [Number.POSITIVE_INFINITY] };
		if (message === Misbehave.huge) return { message: "x".repeat(8192) };
		if (message === Misbehave.unknownCode) return { refuse: "NOPE" } as unknown as MessageDecision;
		if (message === Misbehave.nothingKnown) return { keep: true } as unknown as MessageDecision;
		if (isObject(message) && "replace" in message) return { message: message.replace ?? null };
		if (isObject(message) && typeof message.refuse === "string") {
			return refuse(message.refuse as "BAD_REQUEST", "refused as asked");
		}
		return undefined;
	}

	override onJoin(user: User): void {
		this.#record(`join ${user.userId} ${user.name} ${user.connections}`);
		if (user.userId.startsWith("throws")) throw new Error("onJoin failed on purpose");
	}

	override onLeave(user: User, reason: LeaveReason): unknown {
		this.#record(`leave ${user.userId} ${reason} ${user.connections}`);
		if (user.userId.startsWith("throws")) throw new Error("onLeave failed on purpose");
		if (user.userId.startsWith("async")) return Promise.reject(new Error("an async onLeave rejected"));
		return undefined;
	}

	#record(call: string): void {
		const calls = hookCalls.get(this.roomName) ?? [];
		calls.push(call);
		hookCalls.set(this.roomName, calls);
		lastInstance.set(this.roomName, this.instance);
	}
}

/** Which instance of a room's object last ran a hook: a fresh one after an eviction. */
export const lastInstance = new Map<string, number>();

/** The plain Room under a second binding: no hooks run there. */
export class PlainRoom extends Room<HooksEnv> {}

function isObject(value: JsonValue): value is { [key: string]: JsonValue } {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

const app = new Hono<{ Bindings: HooksEnv }>();

app.get("/health", (c) => c.json({ ok: true }));

app.route(
	"/chat",
	createRoomsApp<HooksEnv>({
		authorize: (request) => {
			const user = request.headers.get(TEST_USER_HEADER);
			if (user === null) return undefined;
			if (user === "refuse") return Response.json({ error: "sign in first" }, { status: 403 });
			if (user === "invalid") return { userId: "" };
			if (user === "throw") throw new Error("authorize failed on purpose");
			return { userId: user, name: `${user} (signed in)` };
		},
	}),
);

// Async on purpose: a Promise from authorize is awaited.
app.route("/plain", createRoomsApp<HooksEnv>({ binding: "PLAIN_ROOMS", authorize: async () => ({ userId: "plain" }) }));

app.route("/unbound", createRoomsApp<HooksEnv>({ binding: "NOT_BOUND" }));

/** A backend route of the user's own: what it says goes to the room through getRoom. */
app.post("/backend/:room/announce", async (c) => {
	const { text } = await c.req.json<{ text: string }>();
	const ack = await getRoom(c.env.ROOMS, c.req.param("room")).publish({ text }, { from: "announcer" });
	return c.json(ack, 201);
});

app.notFound((c) => c.json({ error: { code: "NOT_FOUND", message: "no such route" } }, 404));

export default app;
