/**
 * Telling registered connections about presence changes, each in its mode: `events` gets one
 * frame per change, `batched` one `Presence` frame per window (encoded once, the same for all),
 * `count` an `Occupancy` frame when a count changed, at most once a second.
 */
import { clock } from "../../clock";
import { encodeServerFrame, Limits, type OccupancyData, type PresenceMode, ServerEvents } from "../../protocol";
import { userChanged } from "../roster";
import { occupancySendAt } from "./occupancy";
import { coalescePresence, isEmptyPresence, type PresenceChange } from "./window";

export interface FeedOptions {
	/** `PRESENCE_BATCH_MS`. */
	batchMs: number;
	/** Sends one frame to each socket; the feed's owner deals with those it cannot reach. */
	send: (sockets: Iterable<WebSocket>, frame: string, except?: WebSocket) => void;
	/** The room's counts now (leave grace included). */
	counts: () => OccupancyData;
}

export class PresenceFeed {
	readonly #options: FeedOptions;
	readonly #members: Record<PresenceMode, Set<WebSocket>> = {
		events: new Set(),
		batched: new Set(),
		count: new Set(),
	};
	#window: PresenceChange[] = [];
	#windowTimer: ReturnType<typeof setTimeout> | undefined;
	#occupancySent: { counts: OccupancyData; at: number } | undefined;
	#occupancyTimer: ReturnType<typeof setTimeout> | undefined;

	constructor(options: FeedOptions) {
		this.#options = options;
	}

	/** A registered connection hears presence in `mode` from now on. */
	listen(ws: WebSocket, mode: PresenceMode): void {
		this.forget(ws);
		this.#members[mode].add(ws);
	}

	forget(ws: WebSocket): void {
		for (const members of Object.values(this.#members)) members.delete(ws);
	}

	/** Tells everyone of one change; `except` (the connection that caused it) hears no event frame. */
	announce(change: PresenceChange, except?: WebSocket): void {
		const { events, batched, count } = this.#members;
		if (events.size > 0) {
			const frame = eventFrame(change);
			if (frame) this.#options.send(events, frame, except);
		}
		if (batched.size > 0) {
			this.#window.push(change);
			this.#windowTimer ??= setTimeout(() => this.#flushWindow(), this.#options.batchMs);
		}
		if (count.size > 0) this.#scheduleOccupancy();
	}

	#flushWindow(): void {
		this.#windowTimer = undefined;
		const presence = coalescePresence(this.#window);
		this.#window = [];
		if (isEmptyPresence(presence) || this.#members.batched.size === 0) return;
		const frame = encodeServerFrame(ServerEvents.Presence, {
			...presence,
			userCount: this.#options.counts().userCount,
		});
		this.#options.send(this.#members.batched, frame);
	}

	#scheduleOccupancy(): void {
		if (this.#occupancyTimer) return;
		const now = clock.now();
		const at = occupancySendAt(this.#options.counts(), this.#occupancySent, now, Limits.occupancyIntervalMs);
		if (at === undefined) return;
		this.#occupancyTimer = setTimeout(() => this.#sendOccupancy(), at - now);
	}

	#sendOccupancy(): void {
		this.#occupancyTimer = undefined;
		const counts = this.#options.counts();
		const last = this.#occupancySent?.counts;
		if (last && last.userCount === counts.userCount && last.connectionCount === counts.connectionCount) return;
		this.#occupancySent = { counts, at: clock.now() };
		if (this.#members.count.size > 0) {
			this.#options.send(this.#members.count, encodeServerFrame(ServerEvents.Occupancy, counts));
		}
	}
}

/** Version 1's frame for one change, or undefined when nothing a client shows changed. */
function eventFrame({ before, after, reason, lastKnown }: PresenceChange): string | undefined {
	if (after && !before) return encodeServerFrame(ServerEvents.UserJoined, { user: after });
	if (after && before) {
		return userChanged(before, after) ? encodeServerFrame(ServerEvents.UserUpdated, { user: after }) : undefined;
	}
	if (before) {
		const user = lastKnown ?? { ...before, connections: 0 };
		return encodeServerFrame(ServerEvents.UserLeft, { user, reason: reason ?? "close" });
	}
	return undefined;
}
