/**
 * `edge-rooms/server` as a user's Worker gets it: the packed tarball installed into a fresh Worker
 * project (server-consumer-files.ts), which exports `Room`, mounts `createRoomsApp` under `/api`
 * with an `authorize` hook, and is served by the real `wrangler dev`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { WranglerDev } from "../../../scripts/local-server/wrangler-dev.ts";
import type { ServerEventData, ServerFrame, User } from "../../../src/protocol";
import { type FrameOf, randomRoom } from "../../support/client";
import { TSC } from "./packed";
import { MANIFEST, TSCONFIGS, WORKER_SOURCE, WRANGLER_TOML } from "./server-consumer-files";
import {
	closeProjectClients,
	installWorkerProject,
	openSocket,
	refusedUpgrade,
	WAIT_MS,
	type WorkerProject,
} from "./worker-project";

let project: WorkerProject;
let dev: WranglerDev;

beforeAll(async () => {
	project = await installWorkerProject("server-consumer", {
		files: {
			"package.json": JSON.stringify(MANIFEST, null, "\t"),
			"wrangler.toml": WRANGLER_TOML,
			"src/index.ts": WORKER_SOURCE,
		},
	});
	dev = await project.serve();
}, 180_000);

afterAll(async () => {
	await dev?.stop();
	await project?.remove();
});

afterEach(closeProjectClients);

const wsUrl = (room: string) => `${dev.wsOrigin}/api/rooms/${room}/ws`;

function expectEvent<E extends keyof ServerEventData>(frame: ServerFrame, event: E): FrameOf<E> {
	expect(frame.event, JSON.stringify(frame)).toBe(event);
	return frame as FrameOf<E>;
}

describe("edge-rooms/server in a user's Worker", () => {
	it("installs from the tarball without engine warnings, with dist/server.js and its types", () => {
		expect(project.installOutput).not.toMatch(/EBADENGINE/);
		expect(project.tarball.files).toEqual(expect.arrayContaining(["dist/server.d.ts", "dist/server.js"]));
	});

	it("exports Room, createRoomsApp, getRoom, listRooms, the hooks' helpers and (1.4) the room events verifier, and nothing else", async () => {
		const response = await fetch(`${dev.origin}/exports`);
		const names = (await response.json()) as string[];
		expect(names).toEqual([
			"ErrorCodes",
			"LeaveReasons",
			"Room",
			"RoomCallError",
			"RoomEventTypes",
			"RoomEventsVerificationError",
			"SYSTEM_SENDER",
			"createRoomsApp",
			"getRoom",
			"listRooms",
			"refuse",
			"verifyRoomEvents",
		]);
	});

	it.each(Object.keys(TSCONFIGS) as (keyof typeof TSCONFIGS)[])(
		"type-checks under moduleResolution %s with strict, exactOptionalPropertyTypes and noUncheckedIndexedAccess",
		async (resolution) => {
			await project.write(`tsconfig.${resolution}.json`, JSON.stringify(TSCONFIGS[resolution], null, "\t"));
			await project.exec(process.execPath, [TSC, "-p", `tsconfig.${resolution}.json`]);
		},
	);

	it("serves the rooms under the prefix: authorize binds the user, refuses, or leaves it to the token rules", async () => {
		const room = randomRoom();
		const alice = await openSocket(wsUrl(room), { "X-User": "alice" });
		const registered = await alice.request("Register", {}, WAIT_MS);
		expectEvent(registered, "Registered");
		expect(registered.data).toMatchObject({ self: { userId: "alice", name: "ALICE" } });
		const impostor = await alice.request("Register", { userId: "mallory" }, WAIT_MS);
		expect(impostor).toMatchObject({ event: "Error", data: { code: "UNAUTHORIZED" } });

		expect((await refusedUpgrade(wsUrl(room), { "X-User": "blocked" })).status).toBe(403);

		// No identity from the app: the token rules, open without AUTH_SECRET.
		const carol = await openSocket(wsUrl(room));
		expectEvent(await carol.request("Register", { userId: "carol", name: "Carol" }, WAIT_MS), "Registered");
		await alice.next("UserJoined", (frame) => frame.data.user.userId === "carol", WAIT_MS);

		const ack = await alice.request("SendMessage", { message: "hello through the package" }, WAIT_MS);
		expectEvent(ack, "MessageAck");
		const received = await carol.next("Message", undefined, WAIT_MS);
		expect(received.data).toMatchObject({
			from: { userId: "alice", name: "ALICE" },
			message: "hello through the package",
		});

		const users = await fetch(`${dev.origin}/api/rooms/${room}/users`, { headers: { "X-User": "alice" } });
		expect(users.status).toBe(200);
		const body = (await users.json()) as { room: string; users: User[] };
		expect(body.room).toBe(room);
		expect(body.users.map((user) => user.userId).sort()).toEqual(["alice", "carol"]);

		expect((await fetch(`${dev.origin}/rooms/${room}/users`)).status).toBe(404);
	});

	it("publishes from the Worker's own code with getRoom", async () => {
		const room = randomRoom();
		const bob = await openSocket(wsUrl(room), { "X-User": "bob" });
		expectEvent(await bob.request("Register", {}, WAIT_MS), "Registered");
		const response = await fetch(`${dev.origin}/publish/${room}`, { method: "POST" });
		expect(response.status).toBe(200);
		const ack = (await response.json()) as { id: string; seq: number; sentAt: number };
		expect(ack).toMatchObject({ seq: 1, id: expect.any(String), sentAt: expect.any(Number) });
		const received = await bob.next("Message", undefined, WAIT_MS);
		expect(received.data).toMatchObject({
			id: ack.id,
			seq: 1,
			from: { userId: "backend" },
			message: { text: "from the backend" },
		});
	});
});
