/**
 * What a `batched` connection hears of a window: each user once, in their latest state, and a
 * frame that can be applied any number of times.
 */
import { describe, expect, it } from "vitest";
import type { User } from "../../src/protocol";
import { type CoalescedPresence, coalescePresence, type PresenceChange } from "../../src/room/presence/window";

function user(userId: string, overrides: Partial<User> = {}): User {
	return { userId, name: userId, meta: {}, connections: 1, joinedAt: 1000, ...overrides };
}

const join = (after: User): PresenceChange => ({ userId: after.userId, before: undefined, after });
const update = (before: User, after: User): PresenceChange => ({ userId: after.userId, before, after });
const leave = (before: User, reason: PresenceChange["reason"] = "unregister"): PresenceChange => ({
	userId: before.userId,
	before,
	after: undefined,
	reason,
});

/** A client's roster after applying a frame as the protocol says: replace joined/updated, drop left. */
function apply(roster: ReadonlyMap<string, User>, frame: CoalescedPresence): Map<string, User> {
	const next = new Map(roster);
	for (const joined of [...frame.joined, ...frame.updated]) next.set(joined.userId, joined);
	for (const { user: left } of frame.left) next.delete(left.userId);
	return next;
}

describe("coalescePresence", () => {
	it("names a user who joined and left within the window in left: a connection registered between saw them", () => {
		const ann = user("ann");
		expect(coalescePresence([join(ann), leave(ann)])).toEqual({
			joined: [],
			updated: [],
			left: [{ user: { ...ann, connections: 0 }, reason: "unregister" }],
		});
	});

	it("announces a leave and rejoin as an update when the client would show something new", () => {
		const before = user("ann", { joinedAt: 1000 });
		const rejoined = user("ann", { joinedAt: 5000 });
		expect(coalescePresence([leave(before), join(rejoined)])).toEqual({ joined: [], updated: [rejoined], left: [] });
		const withMeta = user("ann", { meta: { status: "back" } });
		expect(coalescePresence([leave(before), join(withMeta)]).updated).toEqual([withMeta]);
	});

	it("names a user who left and came back as they were in updated: a connection registered between saw them gone", () => {
		const ann = user("ann");
		expect(coalescePresence([leave(ann), join({ ...ann })])).toEqual({ joined: [], updated: [ann], left: [] });
	});

	it("names a user whose meta was changed and changed back in updated", () => {
		const [idle, away] = [user("ann", { meta: { status: "idle" } }), user("ann", { meta: { status: "away" } })];
		expect(coalescePresence([update(idle, away), update(away, idle)])).toEqual({
			joined: [],
			updated: [idle],
			left: [],
		});
	});

	it("says nothing of a change that no client would show", () => {
		const ann = user("ann");
		expect(coalescePresence([update(ann, { ...ann })])).toEqual({ joined: [], updated: [], left: [] });
	});

	it("names a user updated many times once, in their latest state", () => {
		const states = [0, 1, 2, 3].map((n) => user("ann", { meta: { n } }));
		const changes = states.slice(1).map((after, i) => update(states[i] as User, after));
		expect(coalescePresence(changes)).toEqual({ joined: [], updated: [states[3]], left: [] });
	});

	it("turns a join followed by updates into one join of the latest state", () => {
		const first = user("ann", { name: "Ann" });
		const renamed = user("ann", { name: "Annie" });
		expect(coalescePresence([join(first), update(first, renamed)])).toEqual({
			joined: [renamed],
			updated: [],
			left: [],
		});
	});

	it("announces a grace's end as a leave with the stored reason and connections 0", () => {
		const ben = user("ben", { meta: { seat: 3 } });
		const lastKnown = { ...ben, connections: 0 };
		const timedOut = { ...leave(ben, "timeout"), lastKnown };
		expect(coalescePresence([timedOut]).left).toEqual([{ user: lastKnown, reason: "timeout" }]);
		expect(coalescePresence([leave(ben, "close")]).left).toEqual([{ user: lastKnown, reason: "close" }]);
	});

	it("announces the end of a second tab's grace as an update with the lower count", () => {
		const twoTabs = user("ben", { connections: 2 });
		const oneTab = user("ben", { connections: 1 });
		expect(coalescePresence([update(twoTabs, oneTab)])).toEqual({ joined: [], updated: [oneTab], left: [] });
	});

	it("lists users in the order of their first change in the window", () => {
		const [ann, ben, cat] = [user("ann"), user("ben"), user("cat")];
		const annAway = user("ann", { meta: { away: true } });
		const catAway = user("cat", { meta: { away: true } });
		const frame = coalescePresence([
			update(cat, catAway),
			join(ben),
			update(ann, annAway),
			update(catAway, cat),
			update(catAway, { ...catAway, name: "Cat" }),
		]);
		expect(frame.updated.map((u) => u.userId)).toEqual(["cat", "ann"]);
		expect(frame.joined).toEqual([ben]);
	});

	it("gives a frame that leaves a roster the same whether applied once or twice", () => {
		const [ann, ben, cat] = [user("ann"), user("ben", { connections: 2 }), user("cat")];
		const roster = new Map([ann, ben].map((u) => [u.userId, u]));
		const frame = coalescePresence([
			join(cat),
			update(ben, { ...ben, connections: 1 }),
			leave(ann, "close"),
			join(user("dan")),
			leave(user("eve")),
		]);
		const once = apply(roster, frame);
		expect(apply(once, frame)).toEqual(once);
		expect([...once.values()]).toEqual([{ ...ben, connections: 1 }, cat, user("dan")]);
	});
});
