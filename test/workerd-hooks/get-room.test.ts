/**
 * getRoom: a room for backend code in the same Worker, over the object's RPC. A publish resolves
 * to its acknowledgement; `from` and `to` as the server routes take them; every refusal rejects
 * with the contract's code, checked as the HTTP route checks a body.
 */
import { describe, expect, it } from "vitest";
import { getRoom, RoomCallError, type UsersPageOptions } from "../../src/server";
import { randomRoom } from "../support/client";
import { hooksEnv, joinAs, request } from "./helpers";

async function rejection(promise: Promise<unknown>): Promise<RoomCallError> {
	const error = await promise.then(
		() => undefined,
		(failure: unknown) => failure,
	);
	if (!(error instanceof RoomCallError)) throw new Error(`expected a RoomCallError, got ${String(error)}`);
	return error;
}

describe("getRoom", () => {
	it("publishes a stored message and resolves to its acknowledgement; the sender is system unless given", async () => {
		const room = randomRoom();
		const alice = await joinAs(room, "alice");
		const handle = getRoom(hooksEnv.ROOMS, room);
		const ack = await handle.publish({ text: "welcome" });
		expect(ack).toEqual({ id: expect.any(String), seq: 1, sentAt: expect.any(Number) });
		expect((await alice.next("Message")).data).toEqual({
			id: ack.id,
			seq: 1,
			sentAt: ack.sentAt,
			from: { userId: "system", name: "system" },
			message: { text: "welcome" },
		});
		await handle.publish("as a user", { from: "bot" });
		expect((await alice.next("Message")).data.from).toEqual({ userId: "bot", name: "bot" });
		await handle.publish("named", { from: { userId: "bot", name: "The Bot" } });
		expect((await alice.next("Message")).data.from).toEqual({ userId: "bot", name: "The Bot" });
	});

	it("works from a route of the Worker's own", async () => {
		const room = randomRoom();
		const alice = await joinAs(room, "alice");
		const response = await request(`http://rooms.test/backend/${room}/announce`, null, {
			method: "POST",
			body: JSON.stringify({ text: "deploy done" }),
		});
		expect(response.status).toBe(201);
		expect(await response.json()).toMatchObject({ seq: 1 });
		expect((await alice.next("Message")).data).toMatchObject({
			from: { userId: "announcer", name: "announcer" },
			message: { text: "deploy done" },
		});
	});

	it("sends to one user with `to`: the others get nothing", async () => {
		const room = randomRoom();
		const alice = await joinAs(room, "alice");
		const bob = await joinAs(room, "bob");
		await alice.next("UserJoined");
		const handle = getRoom(hooksEnv.ROOMS, room);
		await handle.publish("for bob", { to: "bob" });
		await handle.signal({ typing: true }, { to: "bob", from: "alice" });
		expect((await bob.next("Message")).data).toMatchObject({ message: "for bob", to: "bob" });
		expect((await bob.next("Signal")).data).toMatchObject({ signal: { typing: true }, from: { userId: "alice" } });
		await alice.settle();
		expect(alice.pending("Message")).toEqual([]);
		expect(alice.pending("Signal")).toEqual([]);
	});

	it("signals everyone, storing nothing", async () => {
		const room = randomRoom();
		const alice = await joinAs(room, "alice");
		await getRoom(hooksEnv.ROOMS, room).signal("ding");
		expect((await alice.next("Signal")).data).toMatchObject({ signal: "ding", from: { userId: "system" } });
		const page = (await (await request(`http://rooms.test/chat/rooms/${room}/messages`, "reader")).json()) as {
			lastSeq: number;
		};
		expect(page.lastSeq).toBe(0);
	});

	it("reads users and occupancy", async () => {
		const room = randomRoom();
		await joinAs(room, "alice");
		await joinAs(room, "alice");
		const handle = getRoom(hooksEnv.ROOMS, room);
		expect(await handle.users()).toMatchObject({ room, userCount: 1, users: [{ userId: "alice", connections: 2 }] });
		expect(await handle.occupancy()).toEqual({ room, userCount: 1, connectionCount: 2, shards: 1 });
	});

	it("reads users a page at a time (1.3), and refuses a bad limit or cursor with BAD_REQUEST", async () => {
		const room = randomRoom();
		// Joined in this order, and in userId order too: the roster's order whatever the clock says.
		for (const userId of ["ann", "bob", "cy"]) await joinAs(room, userId);
		const handle = getRoom(hooksEnv.ROOMS, room);
		const first = await handle.users({ limit: 2 });
		expect(first).toMatchObject({ room, userCount: 3, users: [{ userId: "ann" }, { userId: "bob" }] });
		expect(first.cursor).toEqual(expect.any(String));
		const rest = await handle.users({ limit: 2, cursor: first.cursor });
		expect(rest.users.map((user) => user.userId)).toEqual(["cy"]);
		expect(rest.cursor).toBeUndefined();
		const fromJavaScript = [{ limit: "2" }, { limit: 2, cursor: 5 }] as unknown as UsersPageOptions[];
		for (const options of [
			{ limit: 0 },
			{ limit: 1001 },
			{ limit: 1.5 },
			{ limit: 2, cursor: "nope" },
			...fromJavaScript,
		]) {
			const refused = await rejection(handle.users(options));
			expect(refused.code, JSON.stringify(options)).toBe("BAD_REQUEST");
		}
		// A cursor is the room's own: another room refuses it.
		const elsewhere = getRoom(hooksEnv.ROOMS, randomRoom()).users({ limit: 1, cursor: first.cursor });
		expect((await rejection(elsewhere)).code).toBe("BAD_REQUEST");
	});

	it("refuses a room name the contract does not allow with BAD_ROOM", () => {
		for (const name of ["", "-x", "a/b", "r".repeat(65)]) {
			expect(() => getRoom(hooksEnv.ROOMS, name)).toThrow(RoomCallError);
			try {
				getRoom(hooksEnv.ROOMS, name);
			} catch (error) {
				expect((error as RoomCallError).code).toBe("BAD_ROOM");
			}
		}
	});

	it("rejects `to` a user who is not in the room with USER_NOT_FOUND", async () => {
		const handle = getRoom(hooksEnv.ROOMS, randomRoom());
		expect((await rejection(handle.publish("hi", { to: "nobody" }))).code).toBe("USER_NOT_FOUND");
		expect((await rejection(handle.signal("hi", { to: "nobody" }))).code).toBe("USER_NOT_FOUND");
	});

	it("rejects a value over MAX_MESSAGE_BYTES (4096 here) with MESSAGE_TOO_LARGE, and stores nothing", async () => {
		const room = randomRoom();
		const handle = getRoom(hooksEnv.ROOMS, room);
		const error = await rejection(handle.publish("x".repeat(4096)));
		expect(error.code).toBe("MESSAGE_TOO_LARGE");
		expect((await rejection(handle.signal("x".repeat(4096)))).code).toBe("MESSAGE_TOO_LARGE");
		expect(await handle.publish("x".repeat(4000))).toMatchObject({ seq: 1 });
	});

	it("rejects what is not a JSON value within the rules, or a bad from or to, with BAD_REQUEST", async () => {
		const handle = getRoom(hooksEnv.ROOMS, randomRoom());
		let deep: unknown = 0;
		for (let i = 0; i < 70; i++) deep = [deep];
		const cyclic: Record<string, unknown> = {};
		cyclic.self = cyclic;
		const bad: [unknown, object?][] = [
			[Number.NaN],
			[{ n: Number.POSITIVE_INFINITY }],
			[deep],
			[undefined],
			[10n],
			[cyclic],
			["ok", { from: "" }],
			["ok", { from: { userId: "x".repeat(65) } }],
			["ok", { from: { userId: "bot", role: "admin" } }],
			["ok", { to: "" }],
		];
		for (const [value, options] of bad) {
			const error = await rejection(handle.publish(value as string, options));
			expect(error.code, JSON.stringify(options) ?? String(value)).toBe("BAD_REQUEST");
		}
		expect((await rejection(handle.signal(undefined as unknown as string))).code).toBe("BAD_REQUEST");
	});
});
