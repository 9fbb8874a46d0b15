/**
 * End to end against a `wrangler dev` with every access control and limit on (global-setup.ts):
 * tokens on the upgrade and HTTP routes, origins, server publish, the rate limit and a full room,
 * with a token minted by `npm run token` itself.
 */
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { TEST_ALLOWED_ORIGIN, TEST_AUTH_SECRET, TEST_PUBLISH_KEY } from "../support/pinned-vars";
import { badTokens, roomToken } from "../support/tokens";
import { closeAll, connect, expectReply, get, refusedUpgrade, WAIT_MS } from "./clients";

afterEach(closeAll);

const secured = { server: "secured" } as const;

async function member(room: string, sub: string) {
	const client = await connect(room, { ...secured, query: { token: await roomToken({ sub }) } });
	await expectReply(client, "Register", {}, "Registered");
	return client;
}

function publish(room: string, body: unknown, authorization?: string, server: "open" | "secured" = "secured") {
	return get(
		`/rooms/${room}/messages`,
		{
			method: "POST",
			headers: { "Content-Type": "application/json", ...(authorization ? { Authorization: authorization } : {}) },
			body: JSON.stringify(body),
		},
		server,
	);
}

describe("access control, end to end", () => {
	it("refuses an upgrade without a token, with a bad one, or for another room; admits a good one", async () => {
		const room = randomRoom();
		expect(await refusedUpgrade(room, secured)).toBe(401);
		for (const [what, token] of (await badTokens()).slice(0, 6)) {
			expect(await refusedUpgrade(room, { ...secured, query: { token } }), what).toBe(401);
		}
		const elsewhere = await roomToken({ rooms: ["some-other-room"] });
		expect(await refusedUpgrade(room, { ...secured, query: { token: elsewhere } })).toBe(403);
		const response = await get(`/rooms/${room}/users?token=${elsewhere}`, undefined, "secured");
		expect(response.status).toBe(403);
		expect(await response.json()).toMatchObject({ error: { code: "FORBIDDEN" } });

		const client = await connect(room, {
			...secured,
			query: { token: await roomToken({ sub: "alice", rooms: [room] }) },
		});
		const registered = await expectReply(client, "Register", {}, "Registered");
		expect(registered.data.self.userId).toBe("alice");
		const impostor = await client.request("Register", { userId: "bob" }, WAIT_MS);
		expect(impostor).toMatchObject({ event: "Error", data: { code: "UNAUTHORIZED" } });
	});

	it("admits a token minted by `npm run token` (scripts/token.ts) for its room only", async () => {
		const room = randomRoom();
		const dir = await mkdtemp(join(tmpdir(), "edge-rooms-token-"));
		const varsFile = join(dir, ".dev.vars");
		await writeFile(varsFile, `AUTH_SECRET="${TEST_AUTH_SECRET}"\n`);
		const { AUTH_SECRET: _ignored, ...environment } = process.env;
		const { stdout } = await promisify(execFile)(
			process.execPath,
			[
				"scripts/token.ts",
				"--sub",
				"carol",
				"--name",
				"Carol",
				"--rooms",
				room,
				"--ttl",
				"10m",
				"--vars-file",
				varsFile,
			],
			{ env: environment },
		);
		const token = stdout.trim();
		const client = await connect(room, { ...secured, query: { token } });
		expect((await expectReply(client, "Register", {}, "Registered")).data.self).toMatchObject({
			userId: "carol",
			name: "Carol",
		});
		expect(await refusedUpgrade(randomRoom(), { ...secured, query: { token } })).toBe(403);
	});

	it("refuses a foreign Origin with 403 and admits the listed one", async () => {
		const room = randomRoom();
		const token = await roomToken();
		expect(
			await refusedUpgrade(room, { ...secured, query: { token }, headers: { Origin: "https://evil.example" } }),
		).toBe(403);
		await connect(room, { ...secured, query: { token }, headers: { Origin: TEST_ALLOWED_ORIGIN } });
	});

	it("server publish: 201 and delivered with the key, 401 without or with a wrong one, 403 where no key is set", async () => {
		const room = randomRoom();
		const alice = await member(room, "alice");
		expect((await publish(room, { message: "x" })).status).toBe(401);
		expect((await publish(room, { message: "x" }, "Bearer wrong")).status).toBe(401);
		const response = await publish(room, { message: "from the backend" }, `Bearer ${TEST_PUBLISH_KEY}`);
		expect(response.status).toBe(201);
		const ack = (await response.json()) as { id: string; seq: number };
		const delivered = await alice.next("Message", undefined, WAIT_MS);
		expect(delivered.data).toMatchObject({ id: ack.id, seq: 1, from: { userId: "system" } });
		expect(alice.received("Message")).toHaveLength(1);

		const invalid = await publish(room, { text: "no message field" }, `Bearer ${TEST_PUBLISH_KEY}`);
		expect(invalid.status).toBe(400);
		const huge = await publish(room, { message: "x".repeat(70_000) }, `Bearer ${TEST_PUBLISH_KEY}`);
		expect(huge.status).toBe(413);
		await alice.settle(WAIT_MS);
		expect(alice.received("Message")).toHaveLength(1);

		const unset = await publish(randomRoom(), { message: "x" }, `Bearer ${TEST_PUBLISH_KEY}`, "open");
		expect(unset.status).toBe(403);
		expect(await unset.json()).toMatchObject({ error: { code: "FORBIDDEN" } });
	});

	it("a flooding connection is rate limited, then closed with 1008; the others carry on", async () => {
		const room = randomRoom();
		const bob = await member(room, "bob");
		const flooder = await member(room, "mallory");
		await bob.next("UserJoined", undefined, WAIT_MS);
		for (let i = 0; i < 400; i++) {
			flooder.send({ eventType: "ClientEvent", event: "SendMessage", requestId: `f${i}`, requestData: { message: i } });
		}
		expect((await flooder.waitForClose(WAIT_MS)).code).toBe(1008);
		const limited = flooder.received("Error").filter((f) => f.data.code === "RATE_LIMITED");
		expect(limited).toHaveLength(100);
		const acked = flooder.received("MessageAck").length;
		// The burst of 40 less mallory's Register, an event too (no token may have come back since).
		expect(acked).toBeGreaterThanOrEqual(39);
		expect((await bob.next("UserLeft", undefined, WAIT_MS)).data).toMatchObject({ user: { userId: "mallory" } });
		expect(bob.received("Message")).toHaveLength(acked);
		await expectReply(bob, "SendMessage", { message: "still here" }, "MessageAck");
	});

	it("answers the upgrade past MAX_CONNECTIONS (3 here) with 503", async () => {
		const room = randomRoom();
		for (const sub of ["a", "b", "c"]) await connect(room, { ...secured, query: { token: await roomToken({ sub }) } });
		expect(await refusedUpgrade(room, { ...secured, query: { token: await roomToken({ sub: "d" }) } })).toBe(503);
	});
});
