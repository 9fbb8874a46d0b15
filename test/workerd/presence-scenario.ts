/**
 * Presence 1.1 against a model (leave grace 10 s, 50 ms windows): random sequences of connect,
 * register in each mode (in batched frames or not), a return within the grace, UpdateUser, Unregister, message, close,
 * eviction and graces ending at the room's alarm (fixed seeds). After every step the room's
 * roster, every registered connection's view of it (built only from what it received in its
 * mode) and the model agree, and no connection hears what it should not. With bursts (1.2),
 * connections also register inside a window, between a change and its undoing
 * (./presence-burst.ts): each ends with the room's roster (batched) or counts (count).
 *
 * Time moves on a grid of steps, whatever the steps take in real time, and a grace that would end
 * during a step is let end just before it: whether a grace has ended is never a race between the
 * test and the room, and a seed always makes the same scenario.
 */
import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { expect, vi } from "vitest";
import { clock } from "../../src/clock";
import { type JsonObject, Limits, type PresenceMode } from "../../src/protocol";
import { randomRoom } from "../support/client";
import { mulberry32 } from "../support/prng";
import { type BurstCoverage, expectCountsTold, registerInWindow } from "../workerd-presence/presence-burst";
import { passTime } from "./clock";
import { roomStub } from "./connect";
import { PresenceModel } from "./presence-model";
import {
	expectAgreement,
	isOverloadRefusal,
	openTab,
	presenceRow,
	registerTab,
	type Tab,
	unregisterTab,
} from "./presence-tabs";
import { PRESENCE_FRAMES } from "./presence-views";

const GRACE_MS = 10_000;
const USERS = ["ann", "ben"];
const MODES: PresenceMode[] = ["events", "batched", "count"];
/**
 * Two intervals of Occupancy, so that a `count` connection hears each step's first change at once.
 * A close lands a little after a grid point, so its grace ends a little after another.
 */
const STEP_MS = 2 * Limits.occupancyIntervalMs;
/** A grace ending within this of a step's grid point is let end at its start; the next is a step later. */
const GRACE_SLACK_MS = STEP_MS / 2;
/** What every scenario must have done at least once, or its seed tests less than it claims. */
export const COVERAGE = [
	"connect",
	...MODES,
	"joined",
	"re-registered",
	"took a closed connection's place",
	"took one of several places",
	"unseen return",
	"refused",
	"unregister",
	"update",
	"send",
	"close in grace",
	"evict",
	"graces end at the alarm",
	"graces end between steps",
] as const;
/**
 * What a scenario with bursts must have done: a batched connection registered inside a window and
 * shown what the window undid, a count one told a user count that a leave undid within the second.
 */
export const BURST_COVERAGE: BurstCoverage[] = [
	"batched saw what the window undid",
	"count told a count undone within a second",
];
type Covered = (typeof COVERAGE)[number] | BurstCoverage;
/** How far off the next grace end must be for a burst, which waits up to an Occupancy interval. */
const BURST_GRACE_SLACK_MS = 5 * Limits.occupancyIntervalMs;

/** When the room will end a closed connection's grace, once it has heard of the close. */
function graceUntil(room: string, connectionId: string): Promise<number> {
	return vi.waitFor(
		async () => {
			const until = (await presenceRow(room, connectionId))?.grace_until;
			if (typeof until !== "number") throw new Error(`the room has not put ${connectionId} in grace yet`);
			return until;
		},
		{ timeout: 5000, interval: 10 },
	);
}

/** The scenario's time: grid points `STEP_MS` apart, reached by moving the clock forward. */
class StepClock {
	#gridPoint = clock.now();

	/** Moves on to the next grid point, `ms` on; a step that ran over it is not taken back. */
	advance(ms: number): void {
		this.#gridPoint += ms;
		const behind = this.#gridPoint - clock.now();
		if (behind > 0) passTime(behind);
	}

	/**
	 * Ends the graces that end by this grid point's slack, in the model and (the clock moved past
	 * them) in the room on whatever runs it next: no grace ends while a step runs. How many ended.
	 */
	endDueGraces(model: PresenceModel): number {
		const due = model.graceEnds().filter((end) => end <= this.#gridPoint + GRACE_SLACK_MS);
		if (due.length === 0) return 0;
		const last = Math.max(...due);
		if (last > clock.now()) passTime(last - clock.now());
		return model.expire(clock.now());
	}
}

/**
 * The room's objects as a scenario sees them: how many connections it may hold, and what an
 * eviction and the alarms' run are (one object, or a root and its shards).
 */
export interface ScenarioRoom {
	maxTabs: number;
	evict: (room: string, random: () => number) => Promise<void>;
	runAlarms: (room: string) => Promise<void>;
}

export const ONE_OBJECT: ScenarioRoom = {
	maxTabs: Number.POSITIVE_INFINITY,
	evict: (room) => evictDurableObject(roomStub(room)),
	runAlarms: async (room) => {
		await runDurableObjectAlarm(roomStub(room));
	},
};

export async function runScenario(
	seed: number,
	steps: number,
	bursts = false,
	objects: ScenarioRoom = ONE_OBJECT,
): Promise<Set<Covered>> {
	const random = mulberry32(seed);
	// Batched frames (1.2) or not, from a stream of their own: a seed's scenario stays the same.
	const framing = mulberry32(seed ^ 0x5bd1e995);
	const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
	const room = randomRoom(`model11-${seed}`);
	const model = new PresenceModel();
	const tabs: Tab[] = [];
	const log: string[] = [];
	const covered = new Set<Covered>();
	const time = new StepClock();
	const context = () => `seed ${seed}: ${log.join(" ")}`;

	const closeOne = async (tab: Tab) => {
		tabs.splice(tabs.indexOf(tab), 1);
		const closedAt = clock.now();
		tab.client.close();
		log.push("close");
		if (!tab.registered) return;
		const until = await graceUntil(room, tab.connectionId);
		expect(until - GRACE_MS, context()).toBeGreaterThanOrEqual(closedAt);
		model.close(tab.connectionId, until);
		covered.add("close in grace");
	};

	/** Half the time a present user comes back as they are shown: a return within the grace is then unseen. */
	const identityFor = (userId: string, step: number): { userId: string; name: string; meta: JsonObject } => {
		const shown = model.user(userId);
		if (shown && random() < 0.5) return { userId, name: shown.name, meta: shown.meta };
		return { userId, name: `${userId}-${step}`, meta: random() < 0.5 ? {} : { seat: step } };
	};

	/** Registers a tab, mostly an unregistered one, mostly as a user in grace if there is one. */
	const registerStep = async (step: number, quietStart: boolean, unregistered: Tab[]) => {
		const tab = unregistered.length > 0 && random() < 0.6 ? pick(unregistered) : pick(tabs);
		const inGrace = USERS.filter((userId) => model.inGrace(userId) > 0);
		const userId =
			tab.registered && random() < 0.6
				? tab.registered.userId
				: inGrace.length > 0 && random() < 0.5
					? pick(inGrace)
					: pick(USERS);
		const identity = identityFor(userId, step);
		const shown = model.user(userId);
		const unchanged = shown?.name === identity.name && JSON.stringify(shown.meta) === JSON.stringify(identity.meta);
		const places = model.inGrace(userId);
		const mode = pick(MODES);
		const heardBefore = tabs.map((other) => other.client.frames.length);
		const batch = framing() < 0.5;
		const registration = await registerTab(room, tab, model, identity, mode, batch);
		log.push(`register(${userId}, ${mode}${batch ? " batch" : ""}, ${registration ?? "refused"})`);
		covered.add(mode).add(registration ?? "refused");
		if (registration === "took a closed connection's place" && places > 1) covered.add("took one of several places");
		await expectAgreement(room, tabs, model, context());
		if (registration !== "took a closed connection's place" || !unchanged || !quietStart) return;
		tabs.forEach((other, i) => {
			if (other === tab || !other.registered) return;
			const heard = other.client.frames.slice(heardBefore[i]).filter((frame) => PRESENCE_FRAMES.has(frame.event));
			expect(heard, `${context()}: a return within the grace was heard`).toEqual([]);
		});
		covered.add("unseen return");
	};

	for (let step = 0; step < steps; step++) {
		time.advance(STEP_MS);
		const gracesEnded = time.endDueGraces(model);
		if (gracesEnded > 0) covered.add("graces end between steps");
		const graceFar = model.graceEnds().every((end) => end > clock.now() + BURST_GRACE_SLACK_MS);
		if (bursts && random() < 0.4 && tabs.length <= 6 && graceFar) {
			for (const kind of await registerInWindow(room, tabs, model, random, step)) covered.add(kind);
			log.push("burst");
			await expectAgreement(room, tabs, model, context());
			await expectCountsTold(tabs, model, context());
			continue;
		}
		const roll = random();
		const registered = tabs.filter((tab) => tab.registered);
		const unregistered = tabs.filter((tab) => !tab.registered);
		if ((unregistered.length === 0 || (roll < 0.12 && tabs.length < 6)) && tabs.length < objects.maxTabs) {
			tabs.push(await openTab(room));
			log.push("connect");
			covered.add("connect");
		} else if (roll < 0.42) {
			await registerStep(step, gracesEnded === 0, unregistered);
			continue;
		} else if (roll < 0.48) {
			await unregisterTab(pick(registered.length > 0 ? registered : tabs), model);
			log.push("unregister");
			covered.add("unregister");
		} else if (roll < 0.58) {
			const tab = pick(registered.length > 0 ? registered : tabs);
			const fields = random() < 0.5 ? { name: `renamed-${step}` } : { meta: { status: step } };
			const reply = await tab.client.request("UpdateUser", fields);
			log.push("update");
			if (tab.registered && isOverloadRefusal(reply)) {
				// A loaded machine can put the room behind its input: it then refuses optional load, which changes nothing.
				log.push("refused");
			} else if (tab.registered) {
				expect(reply.event, `${context()} ${JSON.stringify(reply)}`).toBe("Updated");
				model.update(tab.registered.userId, fields);
				covered.add("update");
			} else expect(reply, context()).toMatchObject({ event: "Error", data: { code: "NOT_REGISTERED" } });
		} else if (roll < 0.62) {
			const tab = pick(tabs);
			const reply = await tab.client.request("SendMessage", { message: step });
			expect(reply.event, context()).toBe(tab.registered ? "MessageAck" : "Error");
			log.push("send");
			covered.add("send");
		} else if (roll < 0.82) {
			await closeOne(pick(registered.length > 0 && random() < 0.8 ? registered : tabs));
		} else if (roll < 0.89 && log.at(-1) !== "evict") {
			// (An object that is already evicted is not running and cannot be evicted again.)
			await objects.evict(room, random);
			log.push("evict");
			covered.add("evict");
			// Half the time a close is the very first thing that wakes the room again; otherwise check
			// nothing now, so that whatever the next step is comes first.
			if (tabs.length > 0 && random() < 0.5) await closeOne(pick(tabs));
			else continue;
		} else {
			time.advance(GRACE_MS + STEP_MS);
			await objects.runAlarms(room);
			if (model.expire(clock.now()) > 0) covered.add("graces end at the alarm");
			log.push("graces end");
			// Nothing but the alarm has run the room: the views must agree from what it sent.
			await expectAgreement(room, tabs, model, context(), false);
			continue;
		}
		await expectAgreement(room, tabs, model, context());
	}
	return covered;
}
