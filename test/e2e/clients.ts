/**
 * Talking to the shared `wrangler dev` (see global-setup.ts) as a browser or `wscat` would:
 * real WebSockets (the `ws` package) and plain fetch, every wait bounded.
 *
 * Test files call `afterEach(closeAll)` so that no socket outlives its test.
 */
import { expect, inject } from "vitest";
import WebSocket from "ws";
import type { ServerEventData, User } from "../../src/protocol";
import { type FrameOf, type SocketLike, TestClient } from "../support/client";

/** Every wait is bounded, and generous: a real process and a real network are in the way. */
export const WAIT_MS = 10_000;

/** Which `wrangler dev`: development mode, or every access control and limit on. */
export type Server = "open" | "secured";

/** `http://127.0.0.1:PORT` */
function origin(server: Server = "open"): string {
	return inject(server === "open" ? "baseUrl" : "securedUrl");
}

export interface ConnectOptions {
	server?: Server;
	/** Query string parameters, such as `token`. */
	query?: Record<string, string>;
	/** Request headers, such as `Origin`. */
	headers?: Record<string, string>;
	/** Offer permessage-deflate (on by default, as browsers do). */
	compression?: boolean;
}

// ---- clients -------------------------------------------------------------------------------

export interface E2EClient extends TestClient {
	readonly ws: WebSocket;
	established: FrameOf<"ConnectionEstablished">;
}

/** Sockets still open; `closeAll` terminates them. */
export const open = new Set<E2EClient>();

export function closeAll(): void {
	for (const client of open) client.ws.terminate();
	open.clear();
}

function wsUrl(room: string, options: ConnectOptions): string {
	const query = new URLSearchParams(options.query).toString();
	return `${origin(options.server).replace(/^http/, "ws")}/rooms/${room}/ws${query ? `?${query}` : ""}`;
}

/** The HTTP status of a refused upgrade (a real `ws` client, so the refusal is what a browser gets). */
export function refusedUpgrade(room: string, options: ConnectOptions = {}): Promise<number> {
	const ws = new WebSocket(wsUrl(room, options), { headers: options.headers ?? {} });
	return new Promise((done, fail) => {
		const timer = setTimeout(() => fail(new Error(`no answer to the upgrade after ${WAIT_MS} ms`)), WAIT_MS);
		ws.once("unexpected-response", (_request, response) => {
			clearTimeout(timer);
			ws.terminate();
			done(response.statusCode ?? 0);
		});
		ws.once("open", () => {
			clearTimeout(timer);
			ws.terminate();
			fail(new Error("the upgrade was accepted"));
		});
		ws.once("error", () => {});
	});
}

/** Opens a real WebSocket to the room and takes its ConnectionEstablished. */
export async function connect(room: string, options: ConnectOptions = {}): Promise<E2EClient> {
	const ws = new WebSocket(wsUrl(room, options), {
		headers: options.headers ?? {},
		perMessageDeflate: options.compression ?? true,
	});
	// Listening from the start: nothing the server sends on open can be missed.
	const client = new TestClient(ws as unknown as SocketLike) as E2EClient;
	Object.assign(client, { ws });
	open.add(client);
	await opened(ws);
	client.established = await client.next("ConnectionEstablished", undefined, WAIT_MS);
	return client;
}

/** Resolves once `ws` is open; fails on an error, a refused upgrade or after WAIT_MS. */
export function opened(ws: WebSocket): Promise<void> {
	return new Promise<void>((done, fail) => {
		const timer = setTimeout(() => fail(new Error(`no WebSocket open after ${WAIT_MS} ms`)), WAIT_MS);
		ws.once("open", () => {
			clearTimeout(timer);
			done();
		});
		ws.once("error", (error) => {
			clearTimeout(timer);
			fail(error);
		});
		ws.once("unexpected-response", (_request, response) => {
			clearTimeout(timer);
			fail(new Error(`upgrade refused: ${response.statusCode}`));
		});
	});
}

/** Sends a request and checks that the reply is the expected event. */
export async function expectReply<E extends keyof ServerEventData>(
	client: TestClient,
	event: string,
	requestData: unknown,
	expected: E,
): Promise<FrameOf<E>> {
	const reply = await client.request(event, requestData, WAIT_MS);
	expect(reply.event, JSON.stringify(reply)).toBe(expected);
	return reply as FrameOf<E>;
}

/** Connects and registers; returns the client and its Registered reply. */
export async function join(
	room: string,
	userId: string,
	extra: Record<string, unknown> = {},
	options: ConnectOptions = {},
) {
	const client = await connect(room, options);
	const registered = await expectReply(client, "Register", { userId, ...extra }, "Registered");
	return { client, registered };
}

/** Closes a client cleanly and waits until the close handshake is over. */
export async function closeCleanly(client: E2EClient): Promise<void> {
	client.close(1000, "bye");
	await client.waitForClose(WAIT_MS);
	open.delete(client);
}

export function waitForText(client: E2EClient, text: string): Promise<void> {
	return new Promise((done, fail) => {
		if (client.texts.includes(text)) return done();
		const timer = setTimeout(() => {
			client.ws.off("message", onMessage);
			fail(new Error(`no "${text}" after ${WAIT_MS} ms; got ${JSON.stringify(client.texts)}`));
		}, WAIT_MS);
		const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
			if (isBinary || data.toString() !== text) return;
			clearTimeout(timer);
			client.ws.off("message", onMessage);
			done();
		};
		client.ws.on("message", onMessage);
	});
}

// ---- HTTP ----------------------------------------------------------------------------------

export async function get(path: string, init?: RequestInit, server: Server = "open") {
	return fetch(`${origin(server)}${path}`, {
		...init,
		signal: AbortSignal.timeout(WAIT_MS),
	});
}

export async function usersOf(room: string): Promise<User[]> {
	const response = await get(`/rooms/${room}/users`);
	expect(response.status).toBe(200);
	const body = (await response.json()) as { room: string; users: User[] };
	expect(body.room).toBe(room);
	return body.users;
}

export function byId(users: readonly User[]): Record<string, User> {
	return Object.fromEntries(users.map((user) => [user.userId, user]));
}
