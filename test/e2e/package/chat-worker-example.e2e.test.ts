/**
 * examples/chat-worker as a user runs it: copied out of the repository, `edge-rooms` installed from
 * the packed tarball, type-checked with its own tsconfig, served by `wrangler dev`; then signed in
 * with a session cookie and talked to through real WebSockets and its backend route.
 */
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { WranglerDev } from "../../../scripts/local-server/wrangler-dev.ts";
import type { ServerEventData, ServerFrame } from "../../../src/protocol";
import { type FrameOf, randomRoom } from "../../support/client";
import { REPO, TSC } from "./packed";
import {
	closeProjectClients,
	installWorkerProject,
	openSocket,
	refusedUpgrade,
	WAIT_MS,
	type WorkerProject,
} from "./worker-project";

const SESSION_SECRET = "example-test-session-secret";
const ADMIN_KEY = "example-test-admin-key";

let project: WorkerProject;
let dev: WranglerDev;

beforeAll(async () => {
	project = await installWorkerProject("chat-worker", { from: join(REPO, "examples/chat-worker") });
	dev = await project.serve({ SESSION_SECRET, ADMIN_KEY });
}, 180_000);

afterAll(async () => {
	await dev?.stop();
	await project?.remove();
});

afterEach(closeProjectClients);

const wsUrl = (room: string) => `${dev.wsOrigin}/chat/rooms/${room}/ws`;

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
	return fetch(`${dev.origin}${path}`, {
		method: "POST",
		headers: { "Content-Type": "application/json", ...headers },
		body: JSON.stringify(body),
		signal: AbortSignal.timeout(WAIT_MS),
	});
}

async function signIn(name: string): Promise<{ cookie: string; userId: string; name: string }> {
	const response = await post("/login", { name });
	expect(response.status).toBe(200);
	const setCookie = response.headers.get("Set-Cookie") ?? "";
	// Over plain http (wrangler dev) no Secure: the browser would drop the cookie.
	expect(setCookie).toMatch(/^session=[^;]+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/);
	const session = (await response.json()) as { userId: string; name: string };
	return { cookie: setCookie.slice(0, setCookie.indexOf(";")), ...session };
}

/** Signs in, connects with the cookie and registers (the session says who). */
async function member(room: string, name: string) {
	const session = await signIn(name);
	const client = await openSocket(wsUrl(room), { Cookie: session.cookie });
	const registered = expectEvent(await client.request("Register", {}, WAIT_MS), "Registered");
	return { client, session, registered };
}

function expectEvent<E extends keyof ServerEventData>(frame: ServerFrame, event: E): FrameOf<E> {
	expect(frame.event, JSON.stringify(frame)).toBe(event);
	return frame as FrameOf<E>;
}

describe("examples/chat-worker", () => {
	it("installs from the tarball without engine warnings, and type-checks with its own tsconfig", async () => {
		expect(project.installOutput).not.toMatch(/EBADENGINE/);
		await project.exec(process.execPath, [TSC, "-p", "tsconfig.json"]);
	});

	it("lets only a signed-in user of this site into a room", async () => {
		const room = randomRoom();
		const missing = await refusedUpgrade(wsUrl(room));
		expect(missing.status).toBe(401);
		expect(JSON.parse(missing.body)).toMatchObject({ error: { code: "UNAUTHORIZED" } });
		const { cookie } = await signIn("Alice");
		// Alice's signature on a session that names someone else.
		const forged = cookie.replace("Alice", "Mallory");
		expect(forged).not.toBe(cookie);
		expect((await refusedUpgrade(wsUrl(room), { Cookie: forged })).status).toBe(401);
		expect((await refusedUpgrade(wsUrl(room), { Cookie: cookie, Origin: "https://elsewhere.example" })).status).toBe(
			403,
		);
		expect((await fetch(`${dev.origin}/chat/rooms/${room}/users`)).status).toBe(401);

		expect((await post("/login", { name: " " })).status).toBe(400);
		const logout = await post("/logout", {}, { Cookie: cookie });
		expect(logout.status).toBe(204);
		expect(logout.headers.get("Set-Cookie")).toMatch(/^session=; Max-Age=0; Path=\//);
	});

	it("registers a connection as the session's user, whatever it asks for", async () => {
		const room = randomRoom();
		const alice = await member(room, "Alice");
		expect(alice.registered.data).toMatchObject({ self: { userId: alice.session.userId, name: "Alice" } });
		const impostor = await alice.client.request("Register", { userId: "someone-else" }, WAIT_MS);
		expect(impostor).toMatchObject({ event: "Error", data: { code: "UNAUTHORIZED" } });

		const bob = await member(room, "Bob");
		const roster = bob.registered.data.users;
		expect(roster.map((user) => user.name).sort()).toEqual(["Alice", "Bob"]);
		const joined = await alice.client.next("UserJoined", undefined, WAIT_MS);
		expect(joined.data.user).toMatchObject({ userId: bob.session.userId, name: "Bob" });
	});

	it("refuses a message with a banned word (FORBIDDEN to the sender, nothing sent or stored) and delivers a clean one", async () => {
		const room = randomRoom();
		const alice = await member(room, "Alice");
		const bob = await member(room, "Bob");

		alice.client.send({
			eventType: "ClientEvent",
			event: "SendMessage",
			requestId: "banned-1",
			requestData: { message: { text: "no Spoilers, please" } },
		});
		const refused = await alice.client.waitFor((frame) => frame.requestId === "banned-1", WAIT_MS);
		expect(refused).toMatchObject({
			event: "Error",
			data: { code: "FORBIDDEN", message: expect.stringContaining("Spoilers") },
		});
		await bob.client.settle(WAIT_MS);
		expect(bob.client.pending("Message")).toEqual([]);

		const ack = await alice.client.request("SendMessage", { message: { text: "hello, Bob" } }, WAIT_MS);
		expectEvent(ack, "MessageAck");
		const received = await bob.client.next("Message", undefined, WAIT_MS);
		expect(received.data).toMatchObject({
			seq: 1,
			from: { userId: alice.session.userId, name: "Alice" },
			message: { text: "hello, Bob" },
		});

		const history = await fetch(`${dev.origin}/chat/rooms/${room}/messages`, {
			headers: { Cookie: bob.session.cookie },
		});
		expect(history.status).toBe(200);
		const { messages } = (await history.json()) as { messages: { seq: number; message: unknown }[] };
		expect(messages.map((message) => message.message)).toEqual([{ text: "hello, Bob" }]);
	});

	it("publishes from the backend route with getRoom, behind the admin key, through the same moderation", async () => {
		const room = randomRoom();
		const alice = await member(room, "Alice");
		const bob = await member(room, "Bob");
		const admin = { Authorization: `Bearer ${ADMIN_KEY}` };

		expect((await post("/announce", { room, text: "hi" })).status).toBe(401);
		expect((await post("/announce", { room, text: "hi" }, { Authorization: "Bearer wrong" })).status).toBe(401);
		expect((await post("/announce", { room }, admin)).status).toBe(400);

		const response = await post("/announce", { room, text: "doors close at nine" }, admin);
		expect(response.status).toBe(200);
		const ack = (await response.json()) as { id: string; seq: number; sentAt: number };
		expect(ack).toMatchObject({ id: expect.any(String), seq: 1, sentAt: expect.any(Number) });
		for (const { client } of [alice, bob]) {
			const received = await client.next("Message", undefined, WAIT_MS);
			expect(received.data).toMatchObject({
				id: ack.id,
				from: { userId: "announcer" },
				message: { text: "doors close at nine" },
			});
		}

		const direct = await post("/announce", { room, text: "just for you", to: bob.session.userId }, admin);
		expect(direct.status).toBe(200);
		expect((await bob.client.next("Message", undefined, WAIT_MS)).data).toMatchObject({ to: bob.session.userId });

		const banned = await post("/announce", { room, text: "spoiler: it was the butler" }, admin);
		expect(banned.status).toBe(403);
		expect(await banned.json()).toMatchObject({ error: { code: "FORBIDDEN" } });
		await alice.client.settle(WAIT_MS);
		expect(alice.client.pending("Message")).toEqual([]);
	});
});
