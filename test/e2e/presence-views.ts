/**
 * For the presence convergence tests: who is in a room as `GET /rooms/:room/users` answers it,
 * as an observer (a RoomClient, in Node or in a page) shows it, a bounded wait until every
 * observer shows the room, and users churned through raw protocol sockets.
 */
import { isDeepStrictEqual } from "node:util";
import { expect } from "vitest";
import type { PresenceMode } from "../../src/client";
import type { JsonObject, User } from "../../src/protocol";
import type { FrameOf } from "../support/client";
import { connect, type E2EClient, expectReply, get, WAIT_MS } from "./clients";

/** A user as both views are compared: what a roster shows of them. */
export interface Entry {
	userId: string;
	name: string;
	meta: JsonObject;
	connections: number;
}

/** Who is present, as the room's HTTP answer or an observer tells it. */
export interface View {
	/** By userId; always empty for a `count` observer. */
	users: Entry[];
	userCount: number;
	/** The HTTP roster's sum of connections; an observer's last `presence` snapshot's. */
	connectionCount: number | undefined;
}

/** An observer of the room: a RoomClient somewhere, in a presence mode. */
export interface Observer {
	readonly label: string;
	readonly mode: PresenceMode;
	view(): View | Promise<View>;
}

/** How long observers may take to show the room once the churn stopped: `count` hears at most once a second. */
export const CONVERGE_MS = 5_000;
const POLL_MS = 40;

export function entries(users: readonly User[]): Entry[] {
	return users
		.map(({ userId, name, meta, connections }) => ({ userId, name, meta, connections }))
		.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
}

/** `GET /rooms/:room/users`, as a view. */
export async function roomView(room: string): Promise<View> {
	const response = await get(`/rooms/${room}/users`);
	expect(response.status).toBe(200);
	const body = (await response.json()) as { users: User[]; userCount: number };
	const connectionCount = body.users.reduce((sum, user) => sum + user.connections, 0);
	return { users: entries(body.users), userCount: body.userCount, connectionCount };
}

/** What an observer in `mode` must show of the room: `count` shows only the counts. */
function expectedFor(room: View, mode: PresenceMode): View {
	return mode === "count" ? { ...room, users: [] } : room;
}

/**
 * Waits (bounded) until every observer shows exactly what the room's HTTP answer does: the same
 * userIds, names, meta and connections, and the same counts. Returns the room's view. After
 * the deadline, fails with every observer's difference.
 */
export async function expectConverged(room: string, observers: readonly Observer[]): Promise<View> {
	const deadline = Date.now() + CONVERGE_MS;
	for (;;) {
		const truth = await roomView(room);
		const seen = await Promise.all(
			observers.map(async (observer) => ({ observer: observer.label, ...(await observer.view()) })),
		);
		const wanted = observers.map((observer) => ({ observer: observer.label, ...expectedFor(truth, observer.mode) }));
		if (isDeepStrictEqual(seen, wanted)) return truth;
		if (Date.now() >= deadline) {
			expect(seen, `observers after ${CONVERGE_MS} ms of quiet`).toEqual(wanted);
			return truth;
		}
		await new Promise((resolve) => setTimeout(resolve, POLL_MS));
	}
}

/** Polls `condition` until it holds, failing after WAIT_MS. */
export async function waitUntil(what: string, condition: () => Promise<boolean>): Promise<void> {
	const deadline = Date.now() + WAIT_MS;
	while (!(await condition())) {
		if (Date.now() >= deadline) throw new Error(`not after ${WAIT_MS} ms: ${what}`);
		await new Promise((resolve) => setTimeout(resolve, POLL_MS));
	}
}

/** What must never happen: a user who is not in the room is on an observer's roster. */
export async function expectNoneShows(observers: readonly Observer[], absent: readonly string[]): Promise<void> {
	for (const observer of observers) {
		const shown = (await observer.view()).users.map((user) => user.userId);
		expect(
			shown.filter((userId) => absent.includes(userId)),
			`${observer.label} shows users who left`,
		).toEqual([]);
	}
}

// ---- users churned through raw protocol sockets --------------------------------------------

/** One raw connection of a churned user, and whether the room counts it in now. */
export interface Tab {
	userId: string;
	socket: E2EClient;
	registered: boolean;
}

export async function openTab(room: string, userId: string): Promise<Tab> {
	return { userId, socket: await connect(room), registered: false };
}

export async function enter(tab: Tab, fields: { name?: string; meta?: JsonObject } = {}) {
	const reply = await expectReply(tab.socket, "Register", { userId: tab.userId, ...fields }, "Registered");
	tab.registered = true;
	return reply;
}

export async function leave(tab: Tab): Promise<void> {
	await expectReply(tab.socket, "Unregister", {}, "Unregistered");
	tab.registered = false;
}

/**
 * An UpdateUser. A room behind its input (a loaded machine) refuses optional load with
 * RATE_LIMITED, changing nothing: the views are compared with the room's own answer, so that is no fault.
 */
export async function update(tab: Tab, fields: { name?: string; meta?: JsonObject }): Promise<void> {
	const reply = await tab.socket.request("UpdateUser", fields, WAIT_MS);
	if (reply.event === "Error" && reply.data.code === "RATE_LIMITED") return;
	expect(reply.event, JSON.stringify(reply)).toBe("Updated");
}

/** A raw socket registered in `mode` that records the room's presence frames, to see its windows. */
export async function watcher(room: string, mode: PresenceMode): Promise<E2EClient> {
	const socket = await connect(room);
	await expectReply(socket, "Register", { userId: `watch-${mode}`, presence: mode }, "Registered");
	return socket;
}

/** Every user a watcher's `Presence` frames named in `list` so far. */
export function named(socket: E2EClient, list: "joined" | "updated" | "left"): FrameOf<"Presence">["data"]["joined"] {
	return socket
		.received("Presence")
		.flatMap((frame) => (list === "left" ? frame.data.left.map((departure) => departure.user) : frame.data[list]));
}
