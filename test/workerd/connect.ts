/** Opens room sockets through the Worker's own fetch handler, as a client would, and closes them after each test. */
import { env, exports } from "cloudflare:workers";
import { afterEach, expect } from "vitest";
import type { User } from "../../src/protocol";
import { type FrameOf, TestClient } from "../support/client";
import { TEST_PUBLISH_KEY } from "../support/pinned-vars";
import { roomToken } from "../support/tokens";

const open = new Set<TestClient>();

afterEach(() => {
	for (const client of open) client.close();
	open.clear();
});

export function roomUrl(room: string, path = "ws"): string {
	return `http://rooms.test/rooms/${room}/${path}`;
}

/** The room's Durable Object stub, for RPC and the `cloudflare:test` helpers. */
export function roomStub(room: string) {
	return env.ROOMS.get(env.ROOMS.idFromName(room));
}

export interface ConnectedClient extends TestClient {
	established: FrameOf<"ConnectionEstablished">;
}

export interface UpgradeOptions {
	/** Query string parameters, such as `token`. */
	query?: Record<string, string>;
	headers?: Record<string, string>;
}

/** Upgrade options carrying a room token for `sub` (the secured projects). */
export async function asUser(sub: string): Promise<UpgradeOptions> {
	return { query: { token: await roomToken({ sub }) } };
}

/** Asks the Worker for a room socket; the answer may be a 101 or a refusal. */
export function upgrade(room: string, options: UpgradeOptions = {}): Promise<Response> {
	const query = new URLSearchParams(options.query).toString();
	return exports.default.fetch(roomUrl(room) + (query ? `?${query}` : ""), {
		headers: { Upgrade: "websocket", ...options.headers },
	});
}

export async function connect(room: string, options: UpgradeOptions = {}): Promise<ConnectedClient> {
	const response = await upgrade(room, options);
	expect(response.status, await refusal(response)).toBe(101);
	const socket = response.webSocket;
	if (!socket) throw new Error("101 without a webSocket");
	const client = new TestClient(socket) as ConnectedClient;
	socket.accept();
	open.add(client);
	client.established = await client.next("ConnectionEstablished");
	return client;
}

async function refusal(response: Response): Promise<string> {
	return response.status === 101 ? "" : `upgrade refused: ${response.status} ${await response.clone().text()}`;
}

/** Connects and registers; returns the client with its Registered reply taken. */
export async function join(room: string, userId: string, extra: Record<string, unknown> = {}) {
	const client = await connect(room);
	const registered = await client.register(userId, extra);
	expect(registered.event).toBe("Registered");
	return client;
}

/** With AUTH_SECRET set: connects with a token for `sub` and registers as it (userId taken from the token). */
export async function joinWithToken(room: string, sub: string) {
	const client = await connect(room, { query: { token: await roomToken({ sub }) } });
	const registered = await client.request("Register", {});
	expect(registered.event).toBe("Registered");
	return client;
}

/** The room's roster as `GET /rooms/:room/users` answers it (`query` for a token). */
export async function usersOf(room: string, query: Record<string, string> = {}): Promise<User[]> {
	const search = new URLSearchParams(query).toString();
	const response = await exports.default.fetch(roomUrl(room, "users") + (search ? `?${search}` : ""));
	expect(response.status).toBe(200);
	const body = (await response.json()) as { room: string; users: User[] };
	expect(body.room).toBe(room);
	return body.users;
}

/**
 * A backend's POST to a server route (`messages` or `signals`) with the test publish key, or the
 * `authorization` given (null: none). A string body is sent as it is, anything else as JSON.
 */
export function serverPost(
	room: string,
	route: "messages" | "signals",
	body: unknown,
	authorization: string | null = `Bearer ${TEST_PUBLISH_KEY}`,
): Promise<Response> {
	const headers: Record<string, string> = { "Content-Type": "application/json" };
	if (authorization !== null) headers.Authorization = authorization;
	return exports.default.fetch(roomUrl(room, route), {
		method: "POST",
		headers,
		body: typeof body === "string" ? body : JSON.stringify(body),
	});
}
