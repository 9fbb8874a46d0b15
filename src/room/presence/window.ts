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
	/** (1.4) A backend's removal: the user's connections on the room's shards, which the shards close. */
	removed?: string[];
}

export interface CoalescedPresence {
	joined: User[];
	updated: User[];
	left: { user: User; reason: LeaveReason }[];
}

/** One user's changes in a window: the state at its start, the last change, and whether any showed. */
interface UserWindow {
	start: User | undefined;
	last: PresenceChange;
	/** The latest leave in the window, for its reason and last known state. */
	lastLeave: PresenceChange | undefined;
	/** Something a client shows changed at some moment of the window (presence, name, meta, connections). */
	changed: boolean;
}

/**
 * Coalesces a window's changes so that applying the frame brings to the window's end state
 * every connection that saw any state within it, not only the one at its start (a connection
 * that registered mid-window saw a state in between). So a user present at any moment and absent
 * at the end is in `left` (with the last leave's reason), even one who joined and left within the
 * window; a user present at the end is in `joined` (absent at the start) or `updated` (present at
 * the start) whenever anything shown changed in the window, even if the end equals the start.
 * Users keep the order of their first change.
 */
export function coalescePresence(changes: readonly PresenceChange[]): CoalescedPresence {
	const byUser = new Map<string, UserWindow>();
	for (const change of changes) {
		const changed = isVisible(change);
		const leave = change.before && !change.after ? change : undefined;
		const seen = byUser.get(change.userId);
		if (!seen) {
			byUser.set(change.userId, { start: change.before, last: change, lastLeave: leave, changed });
			continue;
		}
		seen.last = change;
		seen.lastLeave = leave ?? seen.lastLeave;
		seen.changed ||= changed;
	}
	const result: CoalescedPresence = { joined: [], updated: [], left: [] };
	for (const { start, last, lastLeave, changed } of byUser.values()) {
		const end = last.after;
		if (end) {
			if (!start) result.joined.push(end);
			else if (changed) result.updated.push(end);
		} else if (lastLeave?.before) {
			const user = lastLeave.lastKnown ?? { ...lastLeave.before, connections: 0 };
			result.left.push({ user, reason: lastLeave.reason ?? "close" });
		}
	}
	return result;
}

/** Whether a client showing the room would see this change. */
function isVisible({ before, after }: PresenceChange): boolean {
	if (!before || !after) return before !== after;
	return userChanged(before, after);
}

export function isEmptyPresence(presence: CoalescedPresence): boolean {
	return presence.joined.length === 0 && presence.updated.length === 0 && presence.left.length === 0;
}
