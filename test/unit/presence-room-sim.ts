/**
 * A room's presence simulated over the pure logic, with time as an argument (no timers, no
 * waiting): connections make users (a model of the roster written from the protocol alone),
 * every change goes into a `PRESENCE_BATCH_MS` window coalesced by `coalescePresence`, and
 * observers hear it in their mode as src/room/presence/feed.ts tells them: `batched` (the roster
 * its Registered showed, then every window frame flushed after it), `events` (one frame per
 * change: a join or visible update replaces the user, a leave drops them) and `count` (an
 * `OccupancyLedger` told at registration, an `Occupancy` when the room's one timer fires).
 * Unlike the feed, the simulation opens windows even with no batched listener: more windows
 * that an observer registers inside.
 */
import type { JsonObject, LeaveReason, PresenceMode, User } from "../../src/protocol";
import { OccupancyLedger } from "../../src/room/presence/occupancy";
import { type CoalescedPresence, coalescePresence, type PresenceChange } from "../../src/room/presence/window";

export const BATCH_MS = 50;
export const OCCUPANCY_MS = 1000;
export const USER_IDS = ["ann", "ben", "cat"] as const;

export interface Look {
	name: string;
	meta: JsonObject;
}

/** Few looks, so that updates often come back to an earlier one. */
export const LOOKS: readonly Look[] = [
	{ name: "Ann", meta: {} },
	{ name: "Ann", meta: { away: true } },
	{ name: "Bea", meta: {} },
];

/** One step of the scenario, `dt` ms after the previous one; indices are taken modulo what exists. */
export type Action =
	| { kind: "join"; dt: number; user: number; look: number }
	| { kind: "leave"; dt: number; pick: number; reason: LeaveReason }
	| { kind: "update"; dt: number; user: number; look: number }
	| { kind: "revert"; dt: number; user: number; back: number }
	| { kind: "observe"; dt: number; mode: PresenceMode; asUser: number | undefined };

interface Tab extends Look {
	userId: string;
	registeredAt: number;
	/** Which tab changed last; it speaks for the user. */
	order: number;
	/** An observer's own connection, which never leaves. */
	pinned: boolean;
}

/** The room's roster: each user the aggregate of their connections, and the looks each has shown. */
export class RosterModel {
	readonly #tabs = new Map<string, Tab>();
	readonly #shown = new Map<string, Look[]>();
	#order = 0;
	#ids = 0;

	user(userId: string): User | undefined {
		const tabs = [...this.#tabs.values()].filter((tab) => tab.userId === userId);
		if (tabs.length === 0) return undefined;
		const { name, meta } = tabs.reduce((a, b) => (b.order > a.order ? b : a));
		const joinedAt = Math.min(...tabs.map((tab) => tab.registeredAt));
		return { userId, name, meta: structuredClone(meta), connections: tabs.length, joinedAt };
	}

	users(): Map<string, User> {
		const users = new Map<string, User>();
		for (const userId of USER_IDS) {
			const user = this.user(userId);
			if (user) users.set(userId, user);
		}
		return users;
	}

	counts(): { userCount: number; connectionCount: number } {
		return { userCount: this.users().size, connectionCount: this.#tabs.size };
	}

	/** A new connection of `userId` (a second tab when present): it speaks for the user from now on. */
	join(userId: string, look: Look, now: number, pinned = false): PresenceChange {
		return this.#change(userId, () => {
			const tab = { userId, ...structuredClone(look), registeredAt: now, order: ++this.#order, pinned };
			this.#tabs.set(`c${++this.#ids}`, tab);
		});
	}

	/** Does one roster action at `now`; the change (maybe one no client would see), or none. */
	perform(action: Action, now: number): PresenceChange | undefined {
		const present = [...this.users().keys()];
		const userId = present[(action.kind === "update" || action.kind === "revert" ? action.user : 0) % present.length];
		switch (action.kind) {
			case "join":
				return this.join(USER_IDS[action.user % USER_IDS.length] as string, LOOKS[action.look] as Look, now);
			case "leave": {
				const leavable = [...this.#tabs].filter(([, tab]) => !tab.pinned);
				const [id, tab] = leavable[action.pick % Math.max(1, leavable.length)] ?? [];
				if (!id || !tab) return undefined;
				return { ...this.#change(tab.userId, () => this.#tabs.delete(id)), reason: action.reason };
			}
			case "update":
				return userId === undefined ? undefined : this.#update(userId, LOOKS[action.look] as Look);
			case "revert": {
				const shown = userId === undefined ? [] : (this.#shown.get(userId) ?? []);
				const earlier = shown.slice(0, -1);
				const look = earlier[earlier.length - 1 - (action.back % Math.max(1, earlier.length))];
				return userId === undefined || !look ? undefined : this.#update(userId, look);
			}
			default:
				return undefined;
		}
	}

	/** UpdateUser: every tab of the user takes the look, all changed last. */
	#update(userId: string, look: Look): PresenceChange {
		return this.#change(userId, () => {
			const order = ++this.#order;
			for (const tab of this.#tabs.values()) {
				if (tab.userId === userId) Object.assign(tab, structuredClone(look), { order });
			}
		});
	}

	#change(userId: string, act: () => void): PresenceChange {
		const before = this.user(userId);
		act();
		const after = this.user(userId);
		if (after) this.#shown.set(userId, [...(this.#shown.get(userId) ?? []), { name: after.name, meta: after.meta }]);
		return { userId, before, after };
	}
}

/** A client applying a frame as the protocol says: joined and updated replace by userId, left drops. */
export function applyFrame(roster: ReadonlyMap<string, User>, frame: CoalescedPresence, leftFirst = false) {
	const next = new Map(roster);
	const put = () => {
		for (const user of [...frame.joined, ...frame.updated]) next.set(user.userId, user);
	};
	if (!leftFirst) put();
	for (const { user } of frame.left) next.delete(user.userId);
	if (leftFirst) put();
	return next;
}

export const sorted = (users: ReadonlyMap<string, User>): User[] =>
	[...users.values()].sort((a, b) => (a.userId < b.userId ? -1 : 1));

export interface Observer {
	id: string;
	mode: PresenceMode;
	/** The roster it shows (batched and events). */
	users: Map<string, User>;
	userCount: number;
	/** Told by the first Occupancy (count). */
	connectionCount?: number;
}

export class RoomSim {
	readonly roster = new RosterModel();
	readonly observers: Observer[] = [];
	readonly ledger = new OccupancyLedger<Observer>();
	/** When Occupancy frames went out. */
	readonly occupancySentAt: number[] = [];
	/** How many batched observers registered inside a window, between two of its changes (coverage). */
	midWindow = 0;
	/** What broke, as it happened: a view apart from the room after its frame, a user named twice. */
	readonly problems: string[] = [];
	now = 0;
	/** The open window: its changes, when it ends, and after how many changes each batched observer registered. */
	#window: { changes: PresenceChange[]; flushAt: number; registered: number[] } | undefined;
	#occupancyAt: number | undefined;

	/** Runs the scenario, then every timer left. */
	run(actions: readonly Action[]): this {
		for (const action of actions) this.step(action);
		this.advance(Math.max(this.now, this.#window?.flushAt ?? 0, this.#occupancyAt ?? 0));
		return this;
	}

	step(action: Action): void {
		this.advance(this.now + action.dt);
		if (action.kind !== "observe") {
			const change = this.roster.perform(action, this.now);
			if (change) this.#announce(change);
			return;
		}
		const observer: Observer = { id: `o${this.observers.length}`, mode: action.mode, users: new Map(), userCount: 0 };
		const userId = action.asUser === undefined ? undefined : USER_IDS[action.asUser % USER_IDS.length];
		const change = userId && this.roster.join(userId, this.roster.user(userId) ?? (LOOKS[0] as Look), this.now, true);
		// Registered: the roster after its own registration; then the others hear of it, then it listens.
		if (action.mode !== "count") observer.users = this.roster.users();
		observer.userCount = this.roster.counts().userCount;
		if (change) this.#announce(change);
		if (action.mode === "batched" && this.#window) this.#window.registered.push(this.#window.changes.length);
		this.observers.push(observer);
		if (action.mode === "count") {
			this.ledger.told(observer, { userCount: observer.userCount, connectionCount: undefined });
			this.#scheduleOccupancy();
		}
	}

	/** Runs the timers due by `to`, in time order, and moves the clock there. */
	advance(to: number): void {
		for (;;) {
			const next = Math.min(
				this.#window?.flushAt ?? Number.POSITIVE_INFINITY,
				this.#occupancyAt ?? Number.POSITIVE_INFINITY,
			);
			if (next > to) break;
			this.now = next;
			if (this.#window?.flushAt === next) this.#flushWindow();
			else this.#sendOccupancy();
		}
		this.now = to;
	}

	#announce(change: PresenceChange): void {
		for (const observer of this.observers) {
			if (observer.mode !== "events") continue;
			if (change.after) observer.users.set(change.userId, change.after);
			else observer.users.delete(change.userId);
			this.#expectRoom(observer, "its event");
		}
		this.#window ??= { changes: [], flushAt: this.now + BATCH_MS, registered: [] };
		this.#window.changes.push(change);
		this.#scheduleOccupancy();
	}

	/** The window's frame to every batched observer registered by now (those who registered inside it too). */
	#flushWindow(): void {
		const { changes = [], registered = [] } = this.#window ?? {};
		this.midWindow += registered.filter((after) => after < changes.length).length;
		const frame = coalescePresence(changes);
		this.#window = undefined;
		const named = [...frame.joined, ...frame.updated, ...frame.left.map(({ user }) => user)].map((u) => u.userId);
		if (new Set(named).size < named.length)
			this.problems.push(`at ${this.now} ms a frame names a user twice: ${named}`);
		for (const observer of this.observers) {
			if (observer.mode !== "batched") continue;
			observer.users = applyFrame(observer.users, frame);
			this.#expectRoom(observer, `the frame ${JSON.stringify(frame)}`);
		}
	}

	/** When a window ends the room is at its end state: a view that heard all of it must show that. */
	#expectRoom(observer: Observer, after: string): void {
		const [shown, room] = [sorted(observer.users), sorted(this.roster.users())];
		if (JSON.stringify(shown) === JSON.stringify(room)) return;
		const ids = (users: User[]) =>
			users.map((u) => `${u.userId}:${u.name}${JSON.stringify(u.meta)}x${u.connections}@${u.joinedAt}`);
		const views = `shows [${ids(shown)}], the room [${ids(room)}]`;
		this.problems.push(`at ${this.now} ms ${observer.id} (${observer.mode}) after ${after} ${views}`);
	}

	#scheduleOccupancy(): void {
		this.#occupancyAt ??= this.ledger.sendAt(this.roster.counts(), this.now, OCCUPANCY_MS);
	}

	#sendOccupancy(): void {
		this.#occupancyAt = undefined;
		const counts = this.roster.counts();
		const due = this.ledger.flush(counts, this.now);
		if (due.length > 0) this.occupancySentAt.push(this.now);
		for (const observer of due) Object.assign(observer, counts);
	}
}
