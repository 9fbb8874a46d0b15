/**
 * Presence against a model, with version 1's presence (no leave grace): random sequences of
 * connect, register (in batched frames or not), re-register, unregister, message, close and eviction (fixed seeds), checking
 * after every step that the room's roster, every registered client's view of it (built only from
 * the events it received) and the model agree, and that no unregistered socket hears a room event.
 */

import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { mulberry32 } from "../support/prng";
import { roomStub } from "./connect";
import { PresenceModel } from "./presence-model";
import { expectAgreement, openTab, registerTab, type Tab, unregisterTab } from "./presence-tabs";

const USERS = ["ann", "ben", "cat"];

async function runScenario(seed: number, steps: number) {
	const random = mulberry32(seed);
	// Framing from its own stream, so that a seed's scenario is the same with batching or without.
	const framing = mulberry32(seed ^ 0x5bd1e995);
	const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)] as T;
	const room = randomRoom(`model${seed}`);
	const model = new PresenceModel();
	const tabs: Tab[] = [];
	const log: string[] = [];

	const closeOne = (tab: Tab) => {
		tabs.splice(tabs.indexOf(tab), 1);
		tab.client.close();
		model.close(tab.connectionId);
		log.push("close");
	};

	for (let step = 0; step < steps; step++) {
		const roll = random();
		if (tabs.length === 0 || (roll < 0.2 && tabs.length < 6)) {
			tabs.push(await openTab(room));
			log.push("connect");
		} else if (roll < 0.5) {
			const userId = pick(USERS);
			const batch = framing() < 0.5;
			await registerTab(room, pick(tabs), model, { userId, name: `${userId}-${step}`, meta: {} }, "events", batch);
			log.push(`register(${userId}${batch ? ", batch" : ""})`);
		} else if (roll < 0.62) {
			await unregisterTab(pick(tabs), model);
			log.push("unregister");
		} else if (roll < 0.77) {
			const tab = pick(tabs);
			const reply = await tab.client.request("SendMessage", { message: step });
			expect(reply.event).toBe(tab.registered ? "MessageAck" : "Error");
			log.push("send");
		} else if (roll < 0.92) {
			closeOne(pick(tabs));
		} else if (log.at(-1) !== "evict") {
			// (An object that is already evicted is not running and cannot be evicted again.)
			await evictDurableObject(roomStub(room));
			log.push("evict");
			// Half the time a close is the very first thing that wakes the room again; otherwise check
			// nothing now, so that whatever the next step is comes first.
			if (tabs.length > 0 && random() < 0.5) closeOne(pick(tabs));
			else continue;
		}
		await expectAgreement(room, tabs, model, `seed ${seed}: ${log.join(" ")}`);
	}
}

describe("presence against a model", () => {
	it.each([1, 2, 3])("agrees with the model for seed %i", async (seed) => {
		await runScenario(seed, 60);
	});
});
