/**
 * Telling registered connections about presence changes, each in its mode: `events` gets one
 * frame per change, `batched` one `Presence` frame per window (encoded once, the same for all),
 * `count` an `Occupancy` frame when the counts differ from those it was last told, at most once
 * a second.
 */
import { clock } from "../../clock";
import { encodeServerFrame, Limits, type OccupancyData, type PresenceMode, ServerEvents } from "../../protocol";
import { userChanged } from "../roster";
import { OccupancyLedger, type ToldCounts } from "./occupancy";
import { coalescePresence, isEmptyPresence, type PresenceChange } from "./window";

export interface FeedOptions {
	/** `PRESENCE_BATCH_MS`. */
	batchMs: number;
	/** Sends one frame to each socket; the feed's owner deals with those it cannot reach. */
	send: (sockets: Iterable<WebSocket>, frame: string, except?: WebSocket) => void;
	/** The room's counts now (leave grace included). */
	counts: () => OccupancyData;
	/**
	 * (1.3) At a root: whether its shards hold `batched` connections (the window runs for them
	 * too), and where each window's frame goes for them (encoded once: the same for all).
	 */
	remote?: { batched: () => boolean; windowEnded: (frame: string) => void };
}

export class PresenceFeed {
	readonly #options: FeedOptions;
	readonly #members: Record<Exclude<PresenceMode, "count">, Set<WebSocket>> = {
		events: new Set(),
		batched: new Set(),
	};
	/** The `count` members, with what each was last told. */
	readonly #counted = new OccupancyLedger<WebSocket>();
	#window: PresenceChange[] = [];
	#windowTimer: ReturnType<typeof setTimeout> | undefined;
	#occupancyTimer: ReturnType<typeof setTimeout> | undefined;

	constructor(options: FeedOptions) {
		this.#options = options;
	}

	/**
	 * A registered connection hears presence in `mode` from now on. A `count` connection was just
	 * told `told` (its `Registered`: no connection count; after a wake-up: the room's counts).
	 */
	listen(ws: WebSocket, mode: PresenceMode, told?: ToldCounts): void {
		this.forget(ws);
		if (mode !== "count") {
			this.#members[mode].add(ws);
			return;
		}
		this.#counted.told(ws, told ?? { userCount: this.#options.counts().userCount, connectionCount: undefined });
		this.#scheduleOccupancy();
	}

	forget(ws: WebSocket): void {
		for (const members of Object.values(this.#members)) members.delete(ws);
		this.#counted.forget(ws);
	}

	/** How many connections hear of a roster change (`events` and `batched`), but `except`. */
	rosterListeners(except?: WebSocket): number {
		const { events, batched } = this.#members;
		const excluded = except && (events.has(except) || batched.has(except)) ? 1 : 0;
		return events.size + batched.size - excluded;
	}

	/** Tells everyone of one change; `except` (the connection that caused it) hears no event frame. */
	announce(change: PresenceChange, except?: WebSocket): void {
		const { events, batched } = this.#members;
		if (events.size > 0) {
			const frame = eventFrame(change);
			if (frame) this.#options.send(events, frame, except);
		}
		if (batched.size > 0 || this.#options.remote?.batched()) {
			this.#window.push(change);
			this.#windowTimer ??= setTimeout(() => this.#flushWindow(), this.#options.batchMs);
		}
		if (this.#counted.size > 0) this.#scheduleOccupancy();
	}

	#flushWindow(): void {
		this.#windowTimer = undefined;
		const presence = coalescePresence(this.#window);
		this.#window = [];
		const remote = this.#options.remote?.batched() === true;
		if (isEmptyPresence(presence) || (this.#members.batched.size === 0 && !remote)) return;
		const frame = encodeServerFrame(ServerEvents.Presence, {
			...presence,
			userCount: this.#options.counts().userCount,
		});
		if (this.#members.batched.size > 0) this.#options.send(this.#members.batched, frame);
		if (remote) this.#options.remote?.windowEnded(frame);
	}

	#scheduleOccupancy(): void {
		if (this.#occupancyTimer) return;
		const now = clock.now();
		const at = this.#counted.sendAt(this.#options.counts(), now, Limits.occupancyIntervalMs);
		if (at === undefined) return;
		this.#occupancyTimer = setTimeout(() => this.#sendOccupancy(), at - now);
	}

	#sendOccupancy(): void {
		this.#occupancyTimer = undefined;
		const counts = this.#options.counts();
		const due = this.#counted.flush(counts, clock.now());
		if (due.length > 0) this.#options.send(due, encodeServerFrame(ServerEvents.Occupancy, counts));
	}
}

/** Version 1's frame for one change, or undefined when nothing a client shows changed. */
export function eventFrame({ before, after, reason, lastKnown }: PresenceChange): string | undefined {
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
