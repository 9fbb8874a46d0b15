/**
 * A shard's side of the root's presence log: the rows (`p` items) arrive in `deliver` calls that
 * may be lost, repeated or overtaken, and across root restarts; the mirror takes each row once,
 * in `pres` order, and says which of its connections get which frame, exactly as the root's own
 * feed would have sent it: `events` connections the row's `events` frame (but the connection that
 * caused it), `batched` connections its `batched` frame, each only for rows after its
 * registration. `count` connections hear the counts of the newest row through an
 * `OccupancyLedger`, as on the root. Pure, with time as an argument.
 *
 * A row ahead of the next one expected is a hole: it is dropped, and the shard answers the call
 * with `accepted`, from which the root resends (the root takes that answer as the shard's
 * acknowledgement, never the call's end). Rows are taken in two steps so that the stream merging
 * messages and presence can hold a row until the message it follows is delivered (`take`).
 *
 * A connection registers with the stamp of its `Registered` (the log's `pres` and the counts when
 * the root encoded it). A stamp behind what the mirror delivered is caught up from a small recent
 * buffer (or, when that no longer reaches back, the connection is closed with 4001 and resumes);
 * a stamp ahead is skipped to: the connection gets only rows after it.
 */
import {
	CloseCodes,
	encodeServerFrame,
	Limits,
	type OccupancyData,
	type PresenceMode,
	ServerEvents,
} from "../../protocol";
import { OccupancyLedger, type ToldCounts } from "../presence/occupancy";
import type { PresenceLogRow, Renamed } from "./presence-log";

/** Where a `Registered` reply was encoded in the presence log, and the room's counts then. */
export interface PresenceStamp {
	pres: number;
	counts: OccupancyData;
}

/** One frame for some of the shard's connections (by connection id). */
export interface PresenceSend {
	frame: string;
	to: string[];
}

/** What one row comes to on this shard. */
export interface PresenceDelivery {
	pres: number;
	sends: PresenceSend[];
	/** The shard updates the attachments of this user's connections. */
	renamed?: Renamed;
	/** (1.4) Connections a backend removed: the shard closes those it holds with 4003. */
	removed?: string[];
}

/** A registration goes live with the frames it missed, or is too far behind to catch up. */
export type RegisterOutcome = { live: true; frames: string[] } | { live: false; closeCode: number };

export interface MirrorOptions {
	/** Rows delivered kept for connections that register behind the mirror. */
	recentLimit: number;
}

interface Member {
	mode: PresenceMode;
	/** The connection gets rows after this. */
	start: number;
}

export class ShardPresenceMirror {
	readonly #options: MirrorOptions;
	readonly #members = new Map<string, Member>();
	readonly #ledger = new OccupancyLedger<string>();
	/** The last row taken in order (undefined: no stream yet); the shard's acknowledgement. */
	#accepted: number | undefined;
	/** The last row routed to connections. */
	#delivered = 0;
	/** Rows accepted, not yet taken (waiting for the messages they follow). */
	#ready: PresenceLogRow[] = [];
	readonly #recent: PresenceLogRow[] = [];
	/** `#recent` holds every row after this, through `#delivered`. */
	#recentFloor = 0;
	#counts: OccupancyData = { userCount: 0, connectionCount: 0 };
	/** The row (or stamp) `#counts` are from. */
	#countsAt = -1;

	constructor(options: MirrorOptions) {
		this.#options = options;
	}

	/** What the shard has of the log, without a hole: the `pres` a `deliver` call is answered with. */
	get accepted(): number | undefined {
		return this.#accepted;
	}

	/** The last row routed to connections: where the shard's stream stands after an eviction. */
	get delivered(): number {
		return this.#delivered;
	}

	/** No stream any more (the rows this shard needs are gone): the next registration starts one. */
	reset(): void {
		for (const id of this.#members.keys()) this.#ledger.forget(id);
		this.#members.clear();
		this.#accepted = undefined;
		this.#ready = [];
	}

	/** The room's counts as this shard last learned them. */
	get counts(): OccupancyData {
		return this.#counts;
	}

	/** Registered connections on this shard. */
	get size(): number {
		return this.#members.size;
	}

	/** The `afterSeq` of the next row to take, if one waits. */
	get nextAfterSeq(): number | undefined {
		return this.#ready[0]?.afterSeq;
	}

	/**
	 * A connection registered (or registered again) with `mode`; `stamp` came with its reply. With
	 * no other connection registered, the stream moves forward to the stamp: nothing older is owed.
	 */
	register(connectionId: string, mode: PresenceMode, stamp: PresenceStamp, told?: ToldCounts): RegisterOutcome {
		this.forget(connectionId);
		if (this.#accepted === undefined || (this.#members.size === 0 && stamp.pres > this.#accepted)) {
			this.#restart(stamp.pres);
		}
		// A stamp is taken after the row it names (and after changes the root wrote no row for).
		this.#learnCounts(stamp.pres, stamp.counts, true);
		let frames: string[] = [];
		if (stamp.pres < this.#delivered) {
			if (stamp.pres < this.#recentFloor) return { live: false, closeCode: CloseCodes.tooSlow };
			const missed = this.#recent.filter((row) => row.pres > stamp.pres);
			frames = missed.map((row) => frameFor(row, connectionId, mode)).filter((frame) => frame !== undefined);
		}
		this.#members.set(connectionId, { mode, start: Math.max(stamp.pres, this.#delivered) });
		if (mode === "count") {
			// As on the root: a `Registered` tells no connection count, so an `Occupancy` follows it.
			this.#ledger.told(connectionId, told ?? { userCount: stamp.counts.userCount, connectionCount: undefined });
		}
		return { live: true, frames };
	}

	/** The connection unregistered or closed: it gets nothing more. */
	forget(connectionId: string): void {
		this.#members.delete(connectionId);
		this.#ledger.forget(connectionId);
	}

	/**
	 * Takes rows of a call (any order, repeats allowed). Returns `resendAfter` when a row was ahead
	 * of a hole: the root must resend after that `pres` (it is also `accepted`).
	 */
	receive(rows: readonly PresenceLogRow[]): { resendAfter?: number } {
		if (this.#accepted === undefined) return {};
		let hole = false;
		for (const row of [...rows].sort((a, b) => a.pres - b.pres)) {
			if (row.pres <= this.#accepted) continue;
			if (row.pres !== this.#accepted + 1) {
				hole = true;
				break;
			}
			this.#ready.push(row);
			this.#accepted = row.pres;
		}
		return hole ? { resendAfter: this.#accepted } : {};
	}

	/** Routes the rows waiting, in order, up to the first that follows a message after `deliveredSeq`. */
	take(deliveredSeq = Number.POSITIVE_INFINITY): PresenceDelivery[] {
		const out: PresenceDelivery[] = [];
		while (this.#ready.length > 0 && (this.#ready[0] as PresenceLogRow).afterSeq <= deliveredSeq) {
			const row = this.#ready.shift() as PresenceLogRow;
			out.push(this.#route(row));
			this.#delivered = row.pres;
			this.#learnCounts(row.pres, row.counts);
			this.#remember(row);
		}
		return out;
	}

	/** When `count` connections are owed an `Occupancy` (undefined: none is). */
	occupancyAt(now: number): number | undefined {
		return this.#ledger.sendAt(this.#counts, now, Limits.occupancyIntervalMs);
	}

	/** The `Occupancy` frame and who gets it now, if anyone is owed it and its time has come. */
	occupancy(now: number): PresenceSend | undefined {
		const at = this.occupancyAt(now);
		if (at === undefined || at > now) return undefined;
		const to = this.#ledger.flush(this.#counts, now);
		return to.length > 0 ? { frame: encodeServerFrame(ServerEvents.Occupancy, this.#counts), to } : undefined;
	}

	#route(row: PresenceLogRow): PresenceDelivery {
		const events: string[] = [];
		const batched: string[] = [];
		// A removed connection hears nothing of its own removal: it is closed.
		const removed = new Set(row.removed);
		for (const [id, member] of this.#members) {
			if (member.start >= row.pres || removed.has(id)) continue;
			if (member.mode === "events" && row.events !== undefined && id !== row.except) events.push(id);
			else if (member.mode === "batched" && row.batched !== undefined) batched.push(id);
		}
		const sends: PresenceSend[] = [];
		if (events.length > 0) sends.push({ frame: row.events as string, to: events });
		if (batched.length > 0) sends.push({ frame: row.batched as string, to: batched });
		const delivery: PresenceDelivery = { pres: row.pres, sends };
		if (row.renamed) delivery.renamed = row.renamed;
		if (row.removed) delivery.removed = row.removed;
		return delivery;
	}

	/** A stream from `pres` on: the rows before it are owed to no connection here. */
	#restart(pres: number): void {
		this.#accepted = pres;
		this.#delivered = pres;
		this.#ready = [];
		this.#recent.length = 0;
		this.#recentFloor = pres;
		// A new stream (a root that started its log anew numbers from 1 again): counts from its stamp.
		this.#countsAt = -1;
	}

	/** Counts only move forward in the log: a stamp newer than the rows taken wins until a newer row. */
	#learnCounts(at: number, counts: OccupancyData, stamp = false): void {
		if (at < this.#countsAt || (at === this.#countsAt && !stamp)) return;
		this.#countsAt = at;
		this.#counts = counts;
	}

	#remember(row: PresenceLogRow): void {
		this.#recent.push(row);
		const over = this.#recent.length - this.#options.recentLimit;
		if (over <= 0) return;
		const dropped = this.#recent.splice(0, over);
		this.#recentFloor = (dropped[dropped.length - 1] as PresenceLogRow).pres;
	}
}

/** The frame one row gives a connection of `mode`, if any. */
function frameFor(row: PresenceLogRow, connectionId: string, mode: PresenceMode): string | undefined {
	if (mode === "events") return connectionId === row.except ? undefined : row.events;
	if (mode === "batched") return row.batched;
	return undefined;
}
