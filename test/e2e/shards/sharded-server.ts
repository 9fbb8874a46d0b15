/**
 * A `wrangler dev` of its own whose rooms spread over objects of a few connections each (the
 * test-only `TEST_SHARD_CONNECTIONS`, below the floor `SHARD_CONNECTIONS` holds deployments to),
 * restartable on the same port and state folder; and protocol clients that talk to it (the
 * shared servers of global-setup.ts are reached through `inject`, this one through its origin).
 */
import WebSocket from "ws";
import {
	type RestartableWranglerDev,
	startRestartableWranglerDev,
} from "../../../scripts/local-server/restartable-wrangler-dev.ts";
import type { ServerFrame, User } from "../../../src/protocol";
import { type FrameOf, type SocketLike, TestClient } from "../../support/client";
import { DEVELOPMENT_VARS } from "../../support/pinned-vars";

/**
 * Connections per object: 100 clients make a room of 5 or 6 objects. `E2E_SHARDS_OBJECT_CONNECTIONS`
 * (with `E2E_SHARDS_CLIENTS`) runs the same tests at another scale by hand, e.g. 1000 over 200s.
 */
export const OBJECT_CONNECTIONS = Number(process.env.E2E_SHARDS_OBJECT_CONNECTIONS ?? 20);
/** Every wait is bounded, and generous: a real process, a loaded 2-core machine. */
export const WAIT_MS = 20_000;

export function startShardedServer(name: string): Promise<RestartableWranglerDev> {
	return startRestartableWranglerDev({
		name,
		// Rate limits out of the way of senders that resend after a restart and of a thousand joins
		// (each a delivery to everyone; workerd-load tests the room's bound); the leave grace at its
		// default of 10 s, the bound a restart must fit in.
		vars: {
			...DEVELOPMENT_VARS,
			RATE_LIMIT: "1000",
			ROOM_DELIVERY_RATE: "1000000",
			TEST_SHARD_CONNECTIONS: String(OBJECT_CONNECTIONS),
		},
		echo: Boolean(process.env.E2E_VERBOSE),
	});
}

export interface ShardClient extends TestClient {
	readonly ws: WebSocket;
	readonly userId: string;
	/** Which of the room's objects holds this connection. */
	shard: number;
}

/** Opens a real WebSocket and registers `userId` (in `presence` mode); the client keeps every frame. */
export async function joinRoom(
	wsOrigin: string,
	room: string,
	userId: string,
	presence: "events" | "batched" = "events",
): Promise<ShardClient> {
	const ws = new WebSocket(`${wsOrigin}/rooms/${room}/ws`, { perMessageDeflate: false });
	const client = new TestClient(ws as unknown as SocketLike) as ShardClient;
	Object.assign(client, { ws, userId });
	await new Promise<void>((done, fail) => {
		const timer = setTimeout(() => fail(new Error(`${userId}: no WebSocket open after ${WAIT_MS} ms`)), WAIT_MS);
		ws.once("open", () => {
			clearTimeout(timer);
			done();
		});
		ws.once("unexpected-response", (_request, response) => {
			clearTimeout(timer);
			fail(new Error(`${userId}: upgrade refused: ${response.statusCode}`));
		});
		ws.once("error", (error) => {
			clearTimeout(timer);
			fail(error);
		});
	});
	const established = await client.next("ConnectionEstablished", undefined, WAIT_MS);
	client.shard = established.data.shard ?? -1;
	const reply = await client.request("Register", { userId, presence }, WAIT_MS);
	if (reply.event !== "Registered") throw new Error(`${userId}: Register answered ${JSON.stringify(reply)}`);
	return client;
}

/** The roster a client holds after applying, in order, its `Registered` and every presence frame since. */
export function rosterOf(client: TestClient): Set<string> {
	const roster = new Set<string>();
	const put = (user: User) => roster.add(user.userId);
	for (const frame of client.frames) {
		if (frame.event === "Registered") {
			roster.clear();
			for (const user of frame.data.users) put(user);
		} else if (frame.event === "UserJoined" || frame.event === "UserUpdated") put(frame.data.user);
		else if (frame.event === "UserLeft") roster.delete(frame.data.user.userId);
		else if (frame.event === "Presence") {
			for (const user of [...frame.data.joined, ...frame.data.updated]) put(user);
			for (const { user } of frame.data.left) roster.delete(user.userId);
		}
	}
	return roster;
}

/** The `Message` frames a client received, in order. */
export function messagesOf(client: TestClient): FrameOf<"Message">["data"][] {
	return client.frames.flatMap((frame: ServerFrame) => (frame.event === "Message" ? [frame.data] : []));
}

/** Resolves once `condition` holds for the client, checked at each frame it receives. */
export async function waitUntil(client: TestClient, condition: () => boolean, what: string): Promise<void> {
	if (condition()) return;
	await client.waitFor(() => condition(), WAIT_MS, `${what} (${(client as ShardClient).userId})`);
}

export async function getJson<T>(origin: string, path: string): Promise<T> {
	const response = await fetch(`${origin}${path}`, { signal: AbortSignal.timeout(WAIT_MS) });
	if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
	return (await response.json()) as T;
}
