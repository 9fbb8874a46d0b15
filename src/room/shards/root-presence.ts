/**
 * (1.3) At a room's root, what its shards' connections hear of the roster (DESIGN.md §3): each
 * change the root's `Presence` makes becomes one row of the durable presence log, in the same
 * synchronous turn as the roster write (both commit or neither), holding the frames encoded once:
 * the `events` frame, the room's counts after it, the connection that caused it and a rename; each
 * `batched` window the root's feed ends becomes a row with its `Presence` frame. The root stream
 * carries the rows to the shards; a `Registered` is stamped with the log's position.
 */
import type { OccupancyData } from "../../protocol";
import { eventFrame } from "../presence/feed";
import type { PresenceChange } from "../presence/window";
import type { RoomStore } from "../store";
import { PresenceLog, type PresenceLogEntry } from "./presence-log";
import type { PresenceStamp } from "./shard-presence-mirror";

export interface RootPresenceOptions {
	sql: SqlStorage;
	store: RoomStore;
	/** The room's counts now (leave grace included). */
	counts: () => OccupancyData;
	/** A row was written outside an entry point (a window's timer): the stream must run. */
	appendedLater: () => void;
}

export class RootPresence {
	readonly log: PresenceLog;
	readonly #options: RootPresenceOptions;
	/** The counts of the last row this instance wrote: a change that alters neither frame nor counts writes none. */
	#lastCounts: OccupancyData | undefined;

	constructor(options: RootPresenceOptions) {
		this.#options = options;
		const { store, sql } = options;
		this.log = new PresenceLog({ sql, prepare: () => store.prepare(), prepared: () => store.prepared });
	}

	/** A roster change, for the shards' connections but `except`. */
	change(change: PresenceChange, except?: string): void {
		const events = eventFrame(change);
		const counts = this.#options.counts();
		if (events === undefined && sameCounts(counts, this.#lastCounts)) return;
		const entry: PresenceLogEntry = { afterSeq: this.#options.store.lastSeq, counts };
		if (events !== undefined) entry.events = events;
		if (except !== undefined) entry.except = except;
		if (change.removed && change.removed.length > 0) entry.removed = change.removed;
		const { before, after } = change;
		if (before && after && (before.name !== after.name || JSON.stringify(before.meta) !== JSON.stringify(after.meta)))
			entry.renamed = { userId: after.userId, name: after.name, meta: after.meta };
		this.#append(entry);
	}

	/** A `batched` window's frame (its timer runs outside any entry point). */
	window(frame: string): void {
		this.#append({ afterSeq: this.#options.store.lastSeq, batched: frame, counts: this.#options.counts() });
		this.#options.appendedLater();
	}

	/** Where a `Registered` encoded now stands in the log, taken after the registration's own row. */
	stamp(): PresenceStamp {
		return { pres: this.log.last(), counts: this.#options.counts() };
	}

	#append(entry: PresenceLogEntry): void {
		this.log.append(entry);
		this.#lastCounts = entry.counts;
	}
}

function sameCounts(a: OccupancyData, b: OccupancyData | undefined): boolean {
	return b !== undefined && a.userCount === b.userCount && a.connectionCount === b.connectionCount;
}
