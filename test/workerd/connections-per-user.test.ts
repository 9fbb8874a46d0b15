/**
 * MAX_CONNECTIONS_PER_USER in development mode: nobody is known at upgrade time, so the
 * Register past the limit is what is refused; the connection stays open, unregistered.
 */
import { describe, expect, it } from "vitest";
import type { ServerFrame } from "../../src/protocol";
import { isProbeReply, randomRoom, type TestClient } from "../support/client";
import { type ConnectedClient, connect, join, usersOf } from "./connect";

/** wrangler.toml's MAX_CONNECTIONS_PER_USER, which the workerd project keeps. */
const PER_USER_LIMIT = 20;

/** Joins `userId` from `count` connections, one after another. */
async function tabsOf(room: string, userId: string, count: number): Promise<ConnectedClient[]> {
	const tabs: ConnectedClient[] = [];
	for (let i = 0; i < count; i++) tabs.push(await join(room, userId));
	return tabs;
}

/** Frames a client received after it had `mark` of them, the settle barrier's reply left out. */
function receivedAfter(client: TestClient, mark: number): ServerFrame[] {
	return client.frames.slice(mark).filter((frame) => !isProbeReply(frame));
}

describe("MAX_CONNECTIONS_PER_USER in development mode (20)", () => {
	it("refuses the Register past the limit, touching neither the roster nor anyone else", async () => {
		const room = randomRoom();
		const watcher = await join(room, "watcher");
		const tabs = await tabsOf(room, "alice", PER_USER_LIMIT);
		await watcher.next("UserUpdated", (frame) => frame.data.user.connections === PER_USER_LIMIT);
		const roster = await usersOf(room);
		const marks = [watcher, ...tabs].map((client) => client.frames.length);

		const extra = await connect(room);
		const reply = await extra.register("alice");
		expect(reply).toMatchObject({
			event: "Error",
			requestId: expect.any(String),
			data: { code: "TOO_MANY_CONNECTIONS", message: expect.stringContaining("alice") },
		});

		expect(await usersOf(room)).toEqual(roster);
		expect(roster.find((user) => user.userId === "alice")?.connections).toBe(PER_USER_LIMIT);
		const others = [watcher, ...tabs];
		await Promise.all(others.map((client) => client.settle()));
		others.forEach((client, i) => {
			expect(receivedAfter(client, marks[i] as number)).toEqual([]);
		});
		// Still open, and not registered: it may not send.
		expect(await extra.request("SendMessage", { message: "hi" })).toMatchObject({
			event: "Error",
			data: { code: "NOT_REGISTERED" },
		});
		expect(extra.closeEvent).toBeUndefined();
	});

	it("admits the Register again once one of the user's connections has left", async () => {
		const room = randomRoom();
		const watcher = await join(room, "watcher");
		const tabs = await tabsOf(room, "alice", PER_USER_LIMIT);
		const extra = await connect(room);
		expect(await extra.register("alice")).toMatchObject({ data: { code: "TOO_MANY_CONNECTIONS" } });

		tabs[0]?.close();
		await watcher.next("UserUpdated", (frame) => frame.data.user.connections === PER_USER_LIMIT - 1);
		const reply = await extra.register("alice");
		expect(reply).toMatchObject({ event: "Registered", data: { self: { connections: PER_USER_LIMIT } } });
		await watcher.next("UserUpdated", (frame) => frame.data.user.connections === PER_USER_LIMIT);
	});

	it("counts per user: a connection at the limit may re-register, and other users register as usual", async () => {
		const room = randomRoom();
		const tabs = await tabsOf(room, "alice", PER_USER_LIMIT);
		const last = tabs[PER_USER_LIMIT - 1] as ConnectedClient;
		expect(await last.register("alice", { name: "Alice" })).toMatchObject({
			event: "Registered",
			data: { self: { name: "Alice", connections: PER_USER_LIMIT } },
		});
		const bob = await join(room, "bob");
		await tabs[0]?.next("UserJoined", (frame) => frame.data.user.userId === "bob");
		expect((await usersOf(room)).map((user) => [user.userId, user.connections])).toEqual([
			["alice", PER_USER_LIMIT],
			["bob", 1],
		]);
		await bob.settle();
	});
});
