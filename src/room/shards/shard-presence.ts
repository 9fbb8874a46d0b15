/**
 * (1.3) At a shard, the root's presence log delivered to its sockets (DESIGN.md §3): the mirror
 * decides which connection gets which row's frame, each row once, in order; this sends them
 * through the shard's own fan-out (its batcher, its slow-reader bound), applies renames to the
 * attachments, and paces `count` connections' `Occupancy` on the shard's alarm. Where the rows
 * stand is saved with the stream's position and rebuilt with the sockets after an eviction.
 */
import { CloseCodes, LeaveReasons, type OccupancyData } from "../../protocol";
import type { Connection } from "../connection";
import type { Hub } from "../hub";
import type { PresenceLogRow } from "./presence-log";
import { type PresenceSend, type PresenceStamp, ShardPresenceMirror } from "./shard-presence-mirror";

/** Rows kept for connections that register behind the shard's stream. */
const RECENT_ROWS = 256;

/** What survives an eviction: the last row delivered and the counts then. */
export interface PresencePosition {
	pres: number;
	counts: OccupancyData;
	/** Some `count` connection had not been told these counts yet. */
	owed?: true;
}

export class ShardPresence {
	readonly #hub: Hub;
	#mirror = new ShardPresenceMirror({ recentLimit: RECENT_ROWS });

	/** Whether a connection hears the row `pres` (one that unregistered hears those before its `Unregister`). */
	readonly #hears: (connectionId: string, pres: number) => boolean;

	constructor(hub: Hub, hears: (connectionId: string, pres: number) => boolean = () => true) {
		this.#hub = hub;
		this.#hears = hears;
	}

	/** The room's counts as this shard last learned them. */
	get counts(): OccupancyData {
		return this.#mirror.counts;
	}

	/** The row through which the shard has every row: its answer to a `deliver` (0: it follows none). */
	get accepted(): number {
		return this.#mirror.accepted ?? 0;
	}

	/** The row through which the shard delivered every row (any, when it follows none). */
	get delivered(): number {
		return this.#mirror.accepted === undefined ? Number.POSITIVE_INFINITY : this.#mirror.delivered;
	}

	/** The `afterSeq` of the next row waiting for its message, if one waits. */
	get nextAfterSeq(): number | undefined {
		return this.#mirror.nextAfterSeq;
	}

	position(now: number): PresencePosition | undefined {
		if (this.#mirror.accepted === undefined) return undefined;
		const position: PresencePosition = { pres: this.#mirror.delivered, counts: this.#mirror.counts };
		if (this.#mirror.occupancyAt(now) !== undefined) position.owed = true;
		return position;
	}

	/** After an eviction: the rows from where they stood, for the registered connections still here. */
	restore(position: PresencePosition): void {
		// Owed: every `count` connection is told the counts again (one may hear them twice).
		const told = position.owed ? { userCount: -1, connectionCount: undefined } : { ...position.counts };
		const starts = [...this.#hub.connections()]
			.filter((connection) => connection.identity)
			.map((connection) => ({ connection, pres: Math.max(connection.presAfter ?? 0, position.pres) }))
			// Earliest first: the stream starts where the earliest needs it.
			.sort((a, b) => a.pres - b.pres);
		for (const { connection, pres } of starts)
			this.#mirror.register(connection.id, connection.presenceMode, { pres, counts: position.counts }, told);
	}

	/**
	 * The root registered `connection` (its `Registered` already sent): it hears the rows after
	 * its stamp, those this shard delivered since sent now. False: too far behind (4001).
	 */
	registered(connection: Connection, stamp: PresenceStamp): boolean {
		const outcome = this.#mirror.register(connection.id, connection.presenceMode, stamp);
		if (!outcome.live) return false;
		for (const frame of outcome.frames) this.#hub.reply(connection.socket, frame);
		return true;
	}

	forget(connectionId: string): void {
		this.#mirror.forget(connectionId);
	}

	/** Rows of a call (any order, repeats dropped). */
	receive(rows: readonly PresenceLogRow[]): void {
		this.#mirror.receive(rows);
	}

	/** The rows the root wrote after messages up to `deliveredSeq`, sent. */
	take(deliveredSeq: number): void {
		for (const delivery of this.#mirror.take(deliveredSeq)) {
			for (const send of delivery.sends)
				this.#send({ ...send, to: send.to.filter((id) => this.#hears(id, delivery.pres)) });
			for (const id of delivery.removed ?? []) this.#removed(id);
			const renamed = delivery.renamed;
			if (!renamed) continue;
			for (const connection of this.#hub.connections()) {
				const identity = connection.identity;
				if (identity?.userId === renamed.userId)
					connection.rename({ ...identity, name: renamed.name, meta: renamed.meta });
			}
		}
	}

	/** `count` connections told the room's counts, if due at `now`. */
	occupancy(now: number): boolean {
		const due = this.#mirror.occupancy(now);
		if (due) this.#send(due);
		return due !== undefined;
	}

	occupancyAt(now: number): number | undefined {
		return this.#mirror.occupancyAt(now);
	}

	/** Nobody here hears the rows any more (or what they need is gone): the next registration starts afresh. */
	reset(): void {
		this.#mirror.reset();
	}

	/** (1.4) A backend removed this connection's user: closed with 4003, the root already told the others. */
	#removed(connectionId: string): void {
		const connection = this.#hub.byId(connectionId);
		if (connection) this.#hub.drop(connection.socket, LeaveReasons.removed, CloseCodes.removed, LeaveReasons.removed);
	}

	#send({ frame, to }: PresenceSend): void {
		const sockets = to.flatMap((id) => this.#hub.byId(id)?.socket ?? []);
		if (sockets.length > 0) this.#hub.sendAll(sockets, frame);
	}
}
