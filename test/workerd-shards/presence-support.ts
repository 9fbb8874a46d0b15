/**
 * Helpers for presence across a room's objects (workerd-shards): what each client heard of the
 * roster, a barrier through the message stream (a presence row is delivered before the message
 * that follows it at the root), the room's graces ended with the injected clock, and a shard's
 * restart (its sockets gone without a close it could report, its memory gone).
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { expect, vi } from "vitest";
import type { ServerFrame } from "../../src/protocol";
import type { FrameOf, TestClient } from "../support/client";
import { passTime } from "../workerd/clock";
import { type ConnectedClient, connect } from "../workerd/connect";
import { type Member, objectStub, reached, send } from "./rooms";

export const GRACE_MS = 10_000;
const PRESENCE_EVENTS = ["UserJoined", "UserUpdated", "UserLeft", "Presence", "Occupancy"];

/** Every presence frame a client received, in order. */
export const presenceOf = (client: TestClient): ServerFrame[] =>
	client.frames.filter((frame) => PRESENCE_EVENTS.includes(frame.event));

/** The events (`UserJoined`, `UserUpdated`, `UserLeft`) a client heard, as `event user [reason]`. */
export function eventsOf(client: TestClient): string[] {
	return presenceOf(client).flatMap((frame) => {
		if (frame.event === "UserLeft") {
			const { user, reason } = (frame as FrameOf<"UserLeft">).data;
			return [`UserLeft ${user.userId} ${reason}`];
		}
		if (frame.event === "UserJoined" || frame.event === "UserUpdated")
			return [`${frame.event} ${(frame as FrameOf<"UserJoined">).data.user.userId}`];
		return [];
	});
}

/** The `Presence` frames a client received, as the JSON they carried. */
export const windowsOf = (client: TestClient) => client.received("Presence").map((frame) => frame.data);

/** The last `Occupancy` a client received. */
export const lastOccupancy = (client: TestClient) => client.received("Occupancy").at(-1)?.data;

/**
 * Once `from` (a member of the root) sends a message and every other member received it, every
 * presence frame the room wrote before it has reached them.
 */
export async function barrier(from: Member, others: Member[]): Promise<void> {
	expect(from.shard).toBe(0);
	const seq = await send(from.client, "barrier");
	for (const member of others) await reached(member.client, seq);
	await from.client.settle();
}

/** Connects `count` sockets one after the other: the root's first, then shard 1's, then 2's. */
export async function sockets(room: string, count: number): Promise<ConnectedClient[]> {
	const clients: ConnectedClient[] = [];
	for (let i = 0; i < count; i++) clients.push(await connect(room));
	return clients;
}

/** Registers each socket as its user in the order given (modes in `extra`). */
export async function registerAs(room: string, plan: { client: ConnectedClient; userId: string; extra?: object }[]) {
	const joined: Member[] = [];
	for (const { client, userId, extra } of plan) {
		const registered = await client.register(userId, { ...extra });
		expect(registered.event, JSON.stringify(registered)).toBe("Registered");
		joined.push({ userId, client, shard: client.established.data.shard ?? 0 });
	}
	void room;
	return joined;
}

/** Connections the root holds in their leave grace. */
export async function inGrace(room: string): Promise<number> {
	return runInDurableObject(objectStub(room, 0), (_, state) => {
		const row = state.storage.sql
			.exec<{ n: number }>("SELECT COUNT(*) AS n FROM presence WHERE grace_until IS NOT NULL")
			.one();
		return row.n;
	});
}

/** Waits until the root holds `count` connections in grace (a shard's close report reached it). */
export async function graceStarted(room: string, count: number): Promise<void> {
	await vi.waitFor(async () => expect(await inGrace(room)).toBe(count), { timeout: 5000 });
}

/** The grace passes and the root's alarm runs, as the runtime would at the deadline. */
export async function graceEnds(room: string): Promise<void> {
	passTime(GRACE_MS + 1);
	await runDurableObjectAlarm(objectStub(room, 0));
}

/**
 * Shard `shard` restarts: its sockets go without a close it could tell the root of (their
 * attachments lose the shard's epoch and say closed, as if they never came back), then its memory.
 */
export async function restartShard(room: string, shard: number): Promise<void> {
	await runInDurableObject(objectStub(room, shard), (_, state) => {
		for (const ws of state.getWebSockets()) {
			const { epoch: _epoch, ...rest } = ws.deserializeAttachment() as Record<string, unknown>;
			ws.serializeAttachment({ ...rest, closed: true });
			ws.close(1012, "restart");
		}
	});
	await evictDurableObject(objectStub(room, shard));
}
