/**
 * What a window of presence changes amounts to, for `batched` connections: each user once, in
 * their latest state. Pure: the room feeds it the changes in order, it answers the frame's lists.
 */
import type { LeaveReason, User } from "../../protocol";
import { userChanged } from "../roster";

/** One change to one user: as they were and as they are (undefined: absent), and why they left. */
export interface PresenceChange {
	userId: string;
	before: User | undefined;
	after: User | undefined;
	/** Why the user left, when `after` is undefined. */
	reason?: LeaveReason;
	/** The user as last known, for a leave (their `connections` 0). */
	lastKnown?: User;
}

export interface CoalescedPresence {
	joined: User[];
	updated: User[];
	left: { user: User; reason: LeaveReason }[];
}

/**
 * Coalesces a window's changes: per user, the state before the window's first change against the
 * state after its last. Absent then present is a join, present then absent a leave (with the last
 * reason), present then present an update only if something a client shows changed; a user who
 * joined and left within the window is in no list. Users keep the order of their first change.
 */
export function coalescePresence(changes: readonly PresenceChange[]): CoalescedPresence {
	const byUser = new Map<string, { before: User | undefined; last: PresenceChange }>();
	for (const change of changes) {
		const seen = byUser.get(change.userId);
		if (seen) seen.last = change;
		else byUser.set(change.userId, { before: change.before, last: change });
	}
	const result: CoalescedPresence = { joined: [], updated: [], left: [] };
	for (const { before, last } of byUser.values()) {
		const after = last.after;
		if (!before && after) result.joined.push(after);
		else if (before && after) {
			if (userChanged(before, after)) result.updated.push(after);
		} else if (before && !after) {
			result.left.push({ user: last.lastKnown ?? { ...before, connections: 0 }, reason: last.reason ?? "close" });
		}
	}
	return result;
}

export function isEmptyPresence(presence: CoalescedPresence): boolean {
	return presence.joined.length === 0 && presence.updated.length === 0 && presence.left.length === 0;
}
