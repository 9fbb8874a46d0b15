/**
 * Connections driven by the model-based presence tests, each kept in step with the model, and
 * the check after every step: the room's roster, every registered connection's view of it and
 * the model agree, and no connection hears what its mode or its being unregistered keeps from it.
 */
import { runInDurableObject } from "cloudflare:test";
import { expect, vi } from "vitest";
import type { JsonObject, PresenceMode, ServerFrame, User } from "../../src/protocol";
import { type ConnectedClient, connect, roomStub, usersOf } from "./connect";
import type { ModelUser, PresenceModel, Registration } from "./presence-model";
import { offModeFrames, roomEventsIn, viewOf } from "./presence-views";

const WAIT = { timeout: 5000, interval: 20 };

export interface Tab {
	client: ConnectedClient;
	connectionId: string;
	/** While registered: as whom, in which mode, and where its latest Registered is in `client.frames`. */
	registered?: { userId: string; mode: PresenceMode; from: number };
	/** Frames from this index on came while the connection was not registered. */
	quietFrom: number;
}

/** A connection's row in the room's durable roster: when it registered, and when its grace ends. */
export async function presenceRow(room: string, connectionId: string) {
	type Row = { registered_at: number; grace_until: number | null };
	return runInDurableObject(roomStub(room), (_, state) => {
		const sql = "SELECT registered_at, grace_until FROM presence WHERE connection_id = ?";
		return state.storage.sql.exec<Row>(sql, connectionId).toArray()[0];
	});
}

export async function openTab(room: string): Promise<Tab> {
	const client = await connect(room);
	return { client, connectionId: client.established.data.connectionId, quietFrom: client.frames.length };
}

/**
 * Registers a tab and the model with it, the room keeping the registration time the model
 * expects (a connection taking a closed one's place keeps that one's). Another userId than the
 * tab's is refused with ALREADY_REGISTERED and changes nothing (undefined). `batch` asks for
 * batched frames (1.2), which must change nothing the model can see.
 */
export async function registerTab(
	room: string,
	tab: Tab,
	model: PresenceModel,
	identity: { userId: string; name: string; meta: JsonObject },
	mode: PresenceMode,
	batch = false,
): Promise<Registration | undefined> {
	const reply = await tab.client.register(identity.userId, {
		name: identity.name,
		meta: identity.meta,
		presence: mode,
		...(batch ? { batch } : {}),
	});
	if (tab.registered && tab.registered.userId !== identity.userId) {
		expect(reply).toMatchObject({ event: "Error", data: { code: "ALREADY_REGISTERED" } });
		return undefined;
	}
	// A repeated Register is optional load: a room behind its input (a loaded machine) refuses it, changing nothing.
	if (tab.registered && isOverloadRefusal(reply)) return undefined;
	expect(reply.event, JSON.stringify(reply)).toBe("Registered");
	tab.registered = { userId: identity.userId, mode, from: tab.client.frames.indexOf(reply) };
	const kept = (await presenceRow(room, tab.connectionId))?.registered_at;
	if (kept === undefined) throw new Error(`no durable roster row for ${tab.connectionId}`);
	const { registration, registeredAt } = model.register(tab.connectionId, identity, kept);
	expect(kept, `the registration time of ${tab.connectionId} (${registration})`).toBe(registeredAt);
	return registration;
}

export async function unregisterTab(tab: Tab, model: PresenceModel): Promise<void> {
	expect((await tab.client.request("Unregister")).event).toBe("Unregistered");
	model.unregister(tab.connectionId);
	tab.registered = undefined;
	tab.quietFrom = tab.client.frames.length;
}

const modelUserOf = ({ userId, name, meta, connections, joinedAt }: User): ModelUser => ({
	userId,
	name,
	meta,
	connections,
	joinedAt,
});
const byUserId = (users: Iterable<User>) => [...users].sort((a, b) => (a.userId < b.userId ? -1 : 1));

function expectViewsAgree(tabs: readonly Tab[], model: PresenceModel, context: string): void {
	const users = model.users();
	const { userCount, connectionCount } = model.counts();
	for (const tab of tabs) {
		if (!tab.registered) continue;
		const { mode, from } = tab.registered;
		const view = viewOf(tab.client.frames.slice(from), mode);
		const shown = { ...view, users: view.users && byUserId(view.users.values()).map(modelUserOf) };
		expect(shown, `${context}: the view of ${tab.connectionId} (${mode})`).toEqual({
			users: mode === "count" ? undefined : users,
			userCount: mode === "events" ? undefined : userCount,
			// A count connection is told the connection count from its first Occupancy on.
			connectionCount: view.connectionCount === undefined ? undefined : connectionCount,
		});
	}
}

/**
 * After a step: the room's roster equals the model's (`roomFirst`: asked before the views, which
 * makes the room run; otherwise the views must agree from what the step alone made the room
 * send), every registered view agrees once its frames have come, and nobody heard what it
 * should not.
 */
export async function expectAgreement(
	room: string,
	tabs: readonly Tab[],
	model: PresenceModel,
	context: string,
	roomFirst = true,
): Promise<void> {
	const roomAgrees = async () => {
		const users = await usersOf(room);
		expect(byUserId(users).map(modelUserOf), `${context}: the room's roster`).toEqual(model.users());
		return users;
	};
	if (roomFirst) await vi.waitFor(roomAgrees, WAIT);
	await vi.waitFor(() => expectViewsAgree(tabs, model, context), WAIT);
	for (const tab of tabs) await tab.client.settle();
	expectViewsAgree(tabs, model, `${context} (settled)`);
	const roster = byUserId(await roomAgrees());
	for (const tab of tabs) {
		if (!tab.registered) {
			const heard = roomEventsIn(tab.client.frames.slice(tab.quietFrom));
			expect(heard, `${context}: unregistered ${tab.connectionId} heard a room event`).toEqual([]);
			continue;
		}
		const { mode, from } = tab.registered;
		const frames = tab.client.frames.slice(from);
		expect(offModeFrames(frames, mode), `${context}: ${tab.connectionId} heard another mode`).toEqual([]);
		const users = viewOf(frames, mode).users;
		if (users) expect(byUserId(users.values()), `${context}: ${tab.connectionId} joinedAt`).toEqual(roster);
	}
}

/** The room's refusal of optional load while it is behind its input (spend.ts), not a fault. */
export function isOverloadRefusal(reply: ServerFrame): boolean {
	return reply.event === "Error" && reply.data.code === "RATE_LIMITED";
}
