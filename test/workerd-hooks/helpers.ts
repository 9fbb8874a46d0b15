/** Sockets and requests through the test Worker's rooms, mounted under `/chat`, as a signed-in user. */
import { env, exports } from "cloudflare:workers";
import { afterEach, expect, vi } from "vitest";
import { type FrameOf, TestClient } from "../support/client";
import { TEST_PUBLISH_KEY } from "../support/pinned-vars";
import { callsOf, type HooksEnv, TEST_USER_HEADER } from "./worker";

const open = new Set<TestClient>();

afterEach(() => {
	for (const client of open) client.close();
	open.clear();
	vi.restoreAllMocks();
});

/** The test Worker's bindings (its Env, not the standalone's). */
export const hooksEnv = env as unknown as HooksEnv;

export function chatUrl(room: string, path = "ws", mount = "/chat"): string {
	return `http://rooms.test${mount}/rooms/${room}/${path}`;
}

/** A request to the test Worker, as `user` (the test authorize's header) unless `user` is null. */
export function request(url: string, user: string | null, init: RequestInit = {}): Promise<Response> {
	const headers = new Headers(init.headers);
	if (user !== null) headers.set(TEST_USER_HEADER, user);
	return exports.default.fetch(url, { ...init, headers });
}

export interface Member extends TestClient {
	established: FrameOf<"ConnectionEstablished">;
}

/** Opens a room socket under `/chat` as `user`, signed in by the test authorize. */
export async function connectAs(room: string, user: string, mount = "/chat"): Promise<Member> {
	const response = await request(chatUrl(room, "ws", mount), user, { headers: { Upgrade: "websocket" } });
	expect(response.status, response.status === 101 ? "" : await response.text()).toBe(101);
	const socket = response.webSocket;
	if (!socket) throw new Error("101 without a webSocket");
	const client = new TestClient(socket) as Member;
	socket.accept();
	open.add(client);
	client.established = await client.next("ConnectionEstablished");
	return client;
}

/** Connects and registers (the identity is the one authorize bound); the Registered reply is taken. */
export async function joinAs(room: string, user: string, extra: Record<string, unknown> = {}): Promise<Member> {
	const client = await connectAs(room, user);
	const registered = await client.request("Register", extra);
	expect(registered.event, JSON.stringify(registered)).toBe("Registered");
	return client;
}

/** A backend's POST to a server route under `/chat`, with the test publish key. */
export function serverPost(room: string, route: "messages" | "signals", body: unknown): Promise<Response> {
	return request(chatUrl(room, route), null, {
		method: "POST",
		headers: { Authorization: `Bearer ${TEST_PUBLISH_KEY}`, "Content-Type": "application/json" },
		body: JSON.stringify(body),
	});
}

/** Waits until the room's hooks were called `expected` (in order, at the end of what was called). */
export async function hooksCalled(room: string, expected: string[]): Promise<void> {
	await vi.waitFor(() => expect(callsOf(room).slice(-expected.length)).toEqual(expected), { timeout: 5000 });
}

/** Silences the expected error lines of a test and returns them, to assert on. */
export function capturedErrors() {
	return vi.spyOn(console, "error").mockImplementation(() => {});
}

/** Every error line logged so far, as one string per call. */
export function lines(spy: ReturnType<typeof capturedErrors>): string[] {
	return spy.mock.calls.map((call) => call.map(String).join(" "));
}
