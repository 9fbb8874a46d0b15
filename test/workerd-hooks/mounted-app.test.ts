/**
 * createRoomsApp mounted under a prefix of a Worker's own Hono app: every room route there, the
 * room name read wherever the mount is, `authorize` deciding who a member is (an identity, a
 * refusal, or nothing: the token rules), the server routes on PUBLISH_KEY alone, `binding`
 * choosing the namespace.
 */
import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { TEST_PUBLISH_KEY } from "../support/pinned-vars";
import { roomToken } from "../support/tokens";
import { capturedErrors, chatUrl, connectAs, joinAs, lines, request, serverPost } from "./helpers";
import { callsOf } from "./worker";

const upgrade = { headers: { Upgrade: "websocket" } };

async function errorOf(response: Response): Promise<{ code: string; message: string }> {
	return ((await response.json()) as { error: { code: string; message: string } }).error;
}

describe("the rooms app under /chat", () => {
	it("serves every member route there: ws, users, occupancy, messages", async () => {
		const room = randomRoom();
		const alice = await joinAs(room, "alice");
		expect(alice.established.data.room).toBe(room);
		const users = await request(chatUrl(room, "users"), "reader");
		expect(await users.json()).toMatchObject({ room, userCount: 1, users: [{ userId: "alice" }] });
		const occupancy = await request(chatUrl(room, "occupancy"), "reader");
		expect(await occupancy.json()).toEqual({ room, userCount: 1, connectionCount: 1, shards: 1 });
		await alice.request("SendMessage", { message: "hi" });
		const messages = await request(`${chatUrl(room, "messages")}?since=0`, "reader");
		expect(await messages.json()).toMatchObject({ room, lastSeq: 1, messages: [{ message: "hi" }] });
		expect((await request(`${chatUrl(room, "messages")}?limit=0`, "reader")).status).toBe(400);
	});

	it("binds the identity authorize returns, as a token's sub and name", async () => {
		const room = randomRoom();
		const alice = await connectAs(room, "alice");
		const other = await alice.request("Register", { userId: "mallory" });
		expect(other).toMatchObject({ event: "Error", data: { code: "UNAUTHORIZED" } });
		const renamed = await alice.request("Register", { name: "Someone else" });
		expect(renamed).toMatchObject({ event: "Error", data: { code: "UNAUTHORIZED" } });
		const registered = await alice.request("Register", {});
		expect(registered).toMatchObject({
			event: "Registered",
			data: { self: { userId: "alice", name: "alice (signed in)" } },
		});
	});

	it("sends authorize's Response as the refusal, on every member route, readable from another origin", async () => {
		const room = randomRoom();
		for (const path of ["ws", "users", "occupancy", "messages"]) {
			const response = await request(chatUrl(room, path), "refuse", path === "ws" ? upgrade : {});
			expect(response.status, path).toBe(403);
			expect(await response.json()).toEqual({ error: "sign in first" });
		}
		const asked = await request(chatUrl(room, "ws"), "refuse");
		expect(asked.headers.get("Access-Control-Allow-Origin")).toBe("*");
	});

	it("falls back to the room tokens when authorize answers nothing (AUTH_SECRET is set here)", async () => {
		const room = randomRoom();
		const missing = await request(chatUrl(room, "ws"), null, upgrade);
		expect(missing.status).toBe(401);
		expect((await errorOf(missing)).code).toBe("UNAUTHORIZED");
		const token = await roomToken({ sub: "tokened", name: "Token Holder" });
		const withToken = await request(`${chatUrl(room, "ws")}?token=${token}`, null, upgrade);
		expect(withToken.status).toBe(101);
		withToken.webSocket?.accept();
		withToken.webSocket?.close();
		expect((await request(`${chatUrl(room, "users")}?token=${token}`, null)).status).toBe(200);
	});

	it("refuses an identity that is not valid with 401 UNAUTHORIZED, and warns", async () => {
		const room = randomRoom();
		const warnings: string[] = [];
		const warn = console.warn;
		console.warn = (...args: unknown[]) => warnings.push(args.map(String).join(" "));
		try {
			const response = await request(chatUrl(room, "ws"), "invalid", upgrade);
			expect(response.status).toBe(401);
			expect(await errorOf(response)).toEqual({
				code: "UNAUTHORIZED",
				message: "the identity authorize returned is not valid: userId must not be empty",
			});
		} finally {
			console.warn = warn;
		}
		expect(warnings).toEqual([
			expect.stringContaining(`room "${room}": authorize returned an identity that is not valid`),
		]);
	});

	it("answers 500 INTERNAL, logged, when authorize throws", async () => {
		const errors = capturedErrors();
		const response = await request(chatUrl(randomRoom(), "users"), "throw");
		expect(response.status).toBe(500);
		expect(await errorOf(response)).toEqual({ code: "INTERNAL", message: "internal error" });
		expect(lines(errors).some((line) => line.includes("authorize failed on purpose"))).toBe(true);
	});

	it("keeps the server routes on PUBLISH_KEY: authorize is not asked", async () => {
		const room = randomRoom();
		const alice = await joinAs(room, "alice");
		const published = await request(chatUrl(room, "messages"), "throw", {
			method: "POST",
			headers: { Authorization: `Bearer ${TEST_PUBLISH_KEY}` },
			body: JSON.stringify({ message: "from the backend" }),
		});
		expect(published.status).toBe(201);
		expect((await alice.next("Message")).data.message).toBe("from the backend");
		expect((await serverPost(room, "signals", { signal: "ding" })).status).toBe(202);
		expect((await alice.next("Signal")).data.signal).toBe("ding");
		const keyless = await request(chatUrl(room, "messages"), "alice", { method: "POST", body: "{}" });
		expect(keyless.status).toBe(401);
	});

	it.each([
		["an undecodable name", "%ZZ"],
		["a name the rule does not allow", "-starts-with-a-dash"],
		["an empty name", ""],
		["a name too long", "r".repeat(65)],
	])("answers %s with 400 BAD_ROOM", async (_, name) => {
		const response = await request(chatUrl(name, "users"), "reader");
		expect(response.status).toBe(400);
		expect((await errorOf(response)).code).toBe("BAD_ROOM");
	});

	it("reads the room from its own segment even when the prefix has a rooms segment too", async () => {
		const response = await request(`http://rooms.test/chat/rooms/rooms/users`, "reader");
		expect(await response.json()).toMatchObject({ room: "rooms" });
	});

	it("leaves unknown paths to the Worker's own notFound", async () => {
		const response = await request("http://rooms.test/chat/elsewhere", "reader");
		expect(response.status).toBe(404);
		expect((await errorOf(response)).message).toBe("no such route");
	});
});

describe("createRoomsApp's binding", () => {
	it("sends a mount's rooms to the namespace it names (a plain Room here: no hooks run)", async () => {
		const room = randomRoom();
		const member = await connectAs(room, "ignored", "/plain");
		expect((await member.request("Register", {})).data).toMatchObject({ self: { userId: "plain" } });
		expect((await member.request("SendMessage", { message: "banned is fine here" })).event).toBe("MessageAck");
		expect(callsOf(room)).toEqual([]);
		const chatView = await request(chatUrl(room, "users"), "reader");
		expect(await chatView.json()).toMatchObject({ userCount: 0 });
	});

	it("answers 500 INTERNAL, logged, when nothing is bound under that name", async () => {
		const errors = capturedErrors();
		const response = await request(chatUrl(randomRoom(), "messages", "/unbound"), null, {
			method: "POST",
			headers: { Authorization: `Bearer ${TEST_PUBLISH_KEY}` },
			body: JSON.stringify({ message: "anyone?" }),
		});
		expect(response.status).toBe(500);
		expect(lines(errors).some((line) => line.includes("no Durable Object namespace is bound as NOT_BOUND"))).toBe(true);
	});
});
