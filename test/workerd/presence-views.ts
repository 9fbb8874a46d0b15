/**
 * What a client would show of a room, built only from the frames it received in its presence
 * mode, as the protocol tells a client to build it: `events` from its Registered reply, the
 * UserJoined/UserUpdated/UserLeft after it and its own Updated replies, `batched` from Registered and the Presence frames
 * (each applied twice: applying is idempotent), `count` from the counts it was told.
 */
import type { PresenceMode, ServerFrame, User } from "../../src/protocol";
import { isProbeReply } from "../support/client";

export interface ClientView {
	/** The roster it shows; none in `count` mode. */
	users?: Map<string, User>;
	/** The latest count it was told, in `batched` and `count` modes. */
	userCount?: number;
	/** The latest connection count it was told, in `count` mode once an Occupancy came. */
	connectionCount?: number;
}

/** Frames that tell a registered connection about presence, by the mode that gets them. */
const PRESENCE_EVENTS: Record<PresenceMode, readonly string[]> = {
	events: ["UserJoined", "UserUpdated", "UserLeft"],
	batched: ["Presence"],
	count: ["Occupancy"],
};

/** Every presence frame of any mode. */
export const PRESENCE_FRAMES: ReadonlySet<string> = new Set(Object.values(PRESENCE_EVENTS).flat());

/** What only registered connections may hear. */
export const ROOM_EVENTS: ReadonlySet<string> = new Set([...PRESENCE_FRAMES, "Message", "Signal"]);

/** A connection's view from its latest Registered on (`frames` starts with that reply). */
export function viewOf(frames: readonly ServerFrame[], mode: PresenceMode): ClientView {
	const view: ClientView = mode === "count" ? {} : { users: new Map() };
	const users = view.users;
	const put = (user: User) => users?.set(user.userId, user);
	for (const frame of frames) {
		if (frame.event === "Registered") {
			users?.clear();
			for (const user of frame.data.users) put(user);
			view.userCount = frame.data.userCount;
		} else if (mode === "events" && frame.event === "Updated") {
			const { connectionId: _, ...self } = frame.data.self;
			put(self);
		} else if (mode === "events" && (frame.event === "UserJoined" || frame.event === "UserUpdated")) {
			put(frame.data.user);
		} else if (mode === "events" && frame.event === "UserLeft") {
			users?.delete(frame.data.user.userId);
		} else if (mode === "batched" && frame.event === "Presence") {
			for (let twice = 0; twice < 2; twice++) {
				for (const user of [...frame.data.joined, ...frame.data.updated]) put(user);
				for (const { user } of frame.data.left) users?.delete(user.userId);
			}
			view.userCount = frame.data.userCount;
		} else if (mode === "count" && frame.event === "Occupancy") {
			view.userCount = frame.data.userCount;
			view.connectionCount = frame.data.connectionCount;
		}
	}
	if (mode === "events") delete view.userCount;
	return view;
}

/** Presence frames of another mode than the connection's (none may come). */
export function offModeFrames(frames: readonly ServerFrame[], mode: PresenceMode): ServerFrame[] {
	return frames.filter((frame) => PRESENCE_FRAMES.has(frame.event) && !PRESENCE_EVENTS[mode].includes(frame.event));
}

/** Room events among frames a connection received while it was not registered (none may come). */
export function roomEventsIn(frames: readonly ServerFrame[]): ServerFrame[] {
	return frames.filter((frame) => ROOM_EVENTS.has(frame.event) && !isProbeReply(frame));
}
