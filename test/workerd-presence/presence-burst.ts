/**
 * Registrations inside a presence window (1.2), for the model-based test: a change to one user
 * (answered, so that an Occupancy it causes has gone out), then one or two fresh connections
 * registering (`batched`, `count`) and a change that undoes the first (the user joined and left,
 * or a meta set and set back) sent in one go: the room takes them all within one
 * PRESENCE_BATCH_MS window (a few ms; measured). The registering connections are of other
 * users than the one changed, so in whatever order the room took the sockets' frames, the end
 * state is the same and the model follows it. Each registering connection's Registered shows the
 * state in between, which the window's frame (or the next Occupancy) must take back.
 */
import { expect, vi } from "vitest";
import { clock } from "../../src/clock";
import { type JsonObject, Limits, type ServerFrame, type User } from "../../src/protocol";
import type { PresenceModel } from "../workerd/presence-model";
import { openTab, presenceRow, type Tab } from "../workerd/presence-tabs";
import { viewOf } from "../workerd/presence-views";

export const BURST_USERS = ["ann", "ben", "cat", "dan"];
/** PRESENCE_BATCH_MS of the workerd-presence project. */
const PRESENCE_BATCH_MS = 50;
const WAIT = { timeout: 5000, interval: 20 };

type Identity = { userId: string; name: string; meta: JsonObject };
type ObserverMode = "batched" | "count";
export type BurstCoverage = "batched saw what the window undid" | "count told a count undone within a second";

/** What a client shows of a user but joinedAt (the model's registration times are the room's). */
const shownOf = (user: User | undefined) => user && { name: user.name, meta: user.meta, connections: user.connections };

/**
 * One burst; what the registering connections saw in between that the window took back. The
 * caller checks the room, the model and every view afterwards (`expectAgreement`).
 */
export async function registerInWindow(
	room: string,
	tabs: Tab[],
	model: PresenceModel,
	random: () => number,
	step: number,
): Promise<BurstCoverage[]> {
	const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
	const registered = tabs.filter((tab) => tab.registered);
	const undoMeta = registered.length > 0 && random() < 0.5;
	const absent = BURST_USERS.filter((userId) => !model.user(userId));
	const actor = undoMeta ? pick(registered) : await openTab(room);
	const userId = actor.registered?.userId ?? (absent.length > 0 && random() < 0.7 ? pick(absent) : pick(BURST_USERS));
	const before = model.user(userId);
	const joining: Identity = { userId, name: `${userId}-${step}`, meta: { burst: step } };
	const modes = pick<ObserverMode[]>([["batched", "count"], ["batched"], ["count"]]);
	const observers = [];
	for (const mode of modes) {
		const others = BURST_USERS.filter((other) => other !== userId);
		const newcomers = others.filter((other) => !model.user(other));
		const observerUser = pick(newcomers.length > 0 && random() < 0.6 ? newcomers : others);
		const shown = model.user(observerUser);
		const identity =
			shown && random() < 0.5
				? { userId: observerUser, name: shown.name, meta: shown.meta }
				: { userId: observerUser, name: `${observerUser}-${step}`, meta: {} };
		observers.push({ tab: await openTab(room), mode, identity });
	}
	if (!undoMeta) tabs.push(actor);
	tabs.push(...observers.map(({ tab }) => tab));
	// No window is open when the burst starts: the last one has ended.
	await new Promise((resolve) => setTimeout(resolve, 2 * PRESENCE_BATCH_MS));
	const windowOpen = tabs.some((tab) => tab.registered?.mode === "batched");

	// The first change is answered (and any Occupancy it makes sent) before the rest go in one go.
	const sentAt = Date.now();
	const firstReply = await (undoMeta
		? actor.client.request("UpdateUser", { meta: { burst: step } })
		: actor.client.register(userId, { name: joining.name, meta: joining.meta, presence: "events" }));
	const registering = observers.map(({ tab, mode, identity: { userId: id, name, meta } }) =>
		tab.client.register(id, { name, meta, presence: mode }),
	);
	const last = undoMeta
		? actor.client.request("UpdateUser", { meta: before?.meta ?? {} })
		: actor.client.request("Unregister");
	const [lastReply, ...replies] = await Promise.all([last, ...registering]);
	const took = Date.now() - sentAt;
	/** The room took the burst within one window (one was open: a batched connection listened), or one second. */
	const within = { batched: windowOpen && took < PRESENCE_BATCH_MS, count: took < Limits.occupancyIntervalMs };

	// The model, in the order sent (the end state does not depend on it).
	expect([firstReply?.event, lastReply?.event]).toEqual(
		undoMeta ? ["Updated", "Updated"] : ["Registered", "Unregistered"],
	);
	if (undoMeta) model.update(userId, { meta: { burst: step } });
	else model.register(actor.connectionId, joining, clock.now());
	/** The user count right after each observer's registration, the burst's user present (in the model's order). */
	const toldBetween = new Map<Tab, number>();
	for (const [i, { tab, mode, identity }] of observers.entries()) {
		const reply = replies[i] as ServerFrame;
		expect(reply.event, `${tab.connectionId} registering as ${identity.userId} in a burst`).toBe("Registered");
		tab.registered = { userId: identity.userId, mode, from: tab.client.frames.indexOf(reply) };
		const kept = (await presenceRow(room, tab.connectionId))?.registered_at;
		if (kept === undefined) throw new Error(`no durable roster row for ${tab.connectionId}`);
		const { registeredAt } = model.register(tab.connectionId, identity, kept);
		expect(kept, `the registration time of ${tab.connectionId}`).toBe(registeredAt);
		toldBetween.set(tab, model.counts().userCount);
	}
	if (undoMeta) model.update(userId, { meta: before?.meta ?? {} });
	else {
		model.unregister(actor.connectionId);
		actor.registered = undefined;
		actor.quietFrom = actor.client.frames.indexOf(lastReply as ServerFrame) + 1;
	}

	// Whether each saw the state in between (the burst's user shown otherwise than at the end, or
	// counted while they come and go): only a frame sent after its Registered can take it back.
	const covered: BurstCoverage[] = [];
	const end = JSON.stringify(shownOf(model.user(userId)));
	for (const { tab, mode } of observers) {
		const reply = tab.client.frames[tab.registered?.from ?? -1];
		if (reply?.event !== "Registered") throw new Error(`no Registered for ${tab.connectionId}`);
		const sawBetween =
			mode === "batched"
				? JSON.stringify(shownOf(reply.data.users.find((user) => user.userId === userId))) !== end
				: !before && reply.data.userCount === toldBetween.get(tab);
		if (!sawBetween || !within[mode]) continue;
		covered.push(
			mode === "batched" ? "batched saw what the window undid" : "count told a count undone within a second",
		);
	}
	return covered;
}

/**
 * After the room, the model and every view agree: a `count` connection is told the connection
 * count too (its Registered did not tell it), and ends with both counts equal to the room's.
 */
export async function expectCountsTold(tabs: readonly Tab[], model: PresenceModel, context: string): Promise<void> {
	const counts = model.counts();
	for (const tab of tabs) {
		if (tab.registered?.mode !== "count") continue;
		const { from } = tab.registered;
		const view = () => viewOf(tab.client.frames.slice(from), "count");
		await vi.waitFor(() => expect(view(), `${context}: ${tab.connectionId} (count)`).toEqual(counts), WAIT);
	}
}
