/**
 * Presence against a model: random sequences of connect, register, re-register, unregister,
 * message, close and eviction (fixed seeds), checking after every step that the room's roster,
 * every registered client's view of it (built only from the events it received) and the model
 * agree, and that no unregistered socket hears a room event.
 */

import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { ServerFrame, User } from "../../src/protocol";
import { randomRoom, type TestClient } from "../support/client";
import { mulberry32 } from "../support/prng";
import { type ConnectedClient, connect, roomStub, usersOf } from "./connect";

const USERS = ["ann", "ben", "cat"];
const ROOM_EVENTS = new Set(["UserJoined", "UserUpdated", "UserLeft", "Message"]);
const WAIT = { timeout: 5000, interval: 20 };

interface Tab {
	client: ConnectedClient;
	userId?: string;
	/** Index in client.frames from which this tab's view is built (its latest Registered). */
	viewFrom: number;
	/** Frames before this index were received while unregistered or before registering. */
	quietFrom: number;
}

/** The roster a client would show, built from its own Registered reply and the events after it. */
function viewOf(client: TestClient, from: number): Map<string, User> {
	const view = new Map<string, User>();
	for (const frame of client.frames.slice(from) as ServerFrame[]) {
		if (frame.event === "Registered") {
			view.clear();
			for (const user of frame.data.users) view.set(user.userId, user);
		} else if (frame.event === "UserJoined" || frame.event === "UserUpdated")
			view.set(frame.data.user.userId, frame.data.user);
		else if (frame.event === "UserLeft") view.delete(frame.data.user.userId);
	}
	return view;
}

function expectedRoster(tabs: Tab[]): Map<string, number> {
	const counts = new Map<string, number>();
	for (const tab of tabs) if (tab.userId) counts.set(tab.userId, (counts.get(tab.userId) ?? 0) + 1);
	return counts;
}

const summary = (users: Iterable<User>) => [...users].map((user) => `${user.userId}×${user.connections}`).sort();
const summaryOf = (counts: Map<string, number>) => [...counts].map(([userId, n]) => `${userId}×${n}`).sort();

async function runScenario(seed: number, steps: number) {
	const random = mulberry32(seed);
	const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)] as T;
	const room = randomRoom(`model${seed}`);
	const stub = () => roomStub(room);
	const tabs: Tab[] = [];
	const log: string[] = [];

	const closeOne = (tab: Tab) => {
		tabs.splice(tabs.indexOf(tab), 1);
		tab.client.close();
		log.push("close");
	};

	for (let step = 0; step < steps; step++) {
		const roll = random();
		if (tabs.length === 0 || (roll < 0.2 && tabs.length < 6)) {
			const client = await connect(room);
			tabs.push({ client, viewFrom: client.frames.length, quietFrom: client.frames.length });
			log.push("connect");
		} else if (roll < 0.5) {
			const tab = pick(tabs);
			const userId = pick(USERS);
			const reply = await tab.client.register(userId, { name: `${userId}-${step}` });
			if (tab.userId && tab.userId !== userId) {
				expect(reply, log.join(" ")).toMatchObject({ event: "Error", data: { code: "ALREADY_REGISTERED" } });
			} else {
				expect(reply.event, log.join(" ")).toBe("Registered");
				if (!tab.userId) tab.viewFrom = tab.client.frames.indexOf(reply);
				tab.userId = userId;
			}
			log.push(`register(${userId})`);
		} else if (roll < 0.62) {
			const tab = pick(tabs);
			expect((await tab.client.request("Unregister")).event).toBe("Unregistered");
			tab.userId = undefined;
			tab.quietFrom = tab.client.frames.length;
			log.push("unregister");
		} else if (roll < 0.77) {
			const tab = pick(tabs);
			const reply = await tab.client.request("SendMessage", { message: step });
			expect(reply.event).toBe(tab.userId ? "MessageAck" : "Error");
			log.push("send");
		} else if (roll < 0.92) {
			closeOne(pick(tabs));
		} else if (log.at(-1) !== "evict") {
			// (An object that is already evicted is not running and cannot be evicted again.)
			await evictDurableObject(stub());
			log.push("evict");
			// Half the time a close is the very first thing that wakes the room again; otherwise check
			// nothing now, so that whatever the next step is comes first.
			if (tabs.length > 0 && random() < 0.5) closeOne(pick(tabs));
			else continue;
		}

		// The room's roster and every registered client's view of it (built from the events it got)
		// match the model. A close reaches the room asynchronously, so both are awaited with a timeout.
		const expected = summaryOf(expectedRoster(tabs));
		const context = `seed ${seed}: ${log.join(" ")}`;
		await vi.waitFor(async () => expect(summary(await usersOf(room)), context).toEqual(expected), WAIT);
		await vi.waitFor(async () => {
			for (const tab of tabs) await tab.client.settle();
			for (const tab of tabs.filter((tab) => tab.userId)) {
				expect(summary(viewOf(tab.client, tab.viewFrom).values()), context).toEqual(expected);
			}
		}, WAIT);
		for (const tab of tabs.filter((tab) => !tab.userId)) {
			const heard = tab.client.frames.slice(tab.quietFrom).filter((frame) => ROOM_EVENTS.has(frame.event));
			expect(heard, `unregistered socket heard a room event; ${context}`).toEqual([]);
		}
	}
}

describe("presence against a model", () => {
	it.each([1, 2, 3])("agrees with the model for seed %i", async (seed) => {
		await runScenario(seed, 60);
	});
});
