/**
 * The root's placement of a room's connections (placement.ts) kept in step with what survives:
 * the root's own sockets are counted from the Hub whenever asked (they are its truth), each
 * shard's epoch and count from the `shard_objects` table, written whenever they change, so that a
 * root that hibernated or restarted places the next connection without waking any shard.
 * Tickets are memory only: a ticket lost with the root's memory is confirmed as "admitted" when
 * there is room.
 */
import { ROOT_SHARD } from "./names";
import { type Confirmation, type Placement, PlacementBook, type PlacementLimits } from "./placement";

interface ShardRow extends Record<string, SqlStorageValue> {
	shard: number;
	epoch: string;
	connections: number;
}

export interface RootPlacementOptions extends PlacementLimits {
	sql: SqlStorage;
	/** Gives the room its tables before the first write (a room that wrote nothing has none). */
	prepare: () => void;
	/** Whether the tables exist: until then no shard holds anything. */
	prepared: () => boolean;
	/** The root's own connections now. */
	localConnections: () => number;
	/** A shard known by one epoch came back as another: its connections are gone. */
	restarted?: (shard: number) => void;
}

export class RootPlacement {
	readonly #options: RootPlacementOptions;
	readonly #epochs = new Map<number, string>();
	#book: PlacementBook | undefined;

	constructor(options: RootPlacementOptions) {
		this.#options = options;
	}

	/** Connections of the whole room, unexpired tickets included (`MAX_CONNECTIONS` counts these). */
	total(now: number): number {
		const book = this.#current();
		book.expire(now);
		return book.total;
	}

	/** Objects holding connections now (`/occupancy`'s `shards`). */
	objectsInUse(): number {
		return this.#current().objectsInUse;
	}

	/** Connections on one object (0: the root). */
	count(shard: number): number {
		return this.#current().count(shard);
	}

	/** Where the next connection goes; the root's own place is taken by the socket it accepts next. */
	place(now: number): Placement {
		return this.#current().place(now);
	}

	/**
	 * Shard `shard`, running as `epoch`, asks to take the connection `ticket` was for. Another
	 * epoch than the one stored means the shard restarted: what it held is gone.
	 */
	confirm(shard: number, epoch: string, ticket: string, now: number): Confirmation {
		const book = this.#current();
		this.#follow(book, shard, epoch);
		const answer = book.confirm(ticket, shard, now);
		if (answer !== "full") this.#save(shard);
		return answer;
	}

	/** A call's answer says `shard` runs as `epoch`: another than the one stored means it restarted. */
	learnEpoch(shard: number, epoch: string): void {
		const book = this.#current();
		if (this.#epochs.get(shard) === epoch) return;
		this.#follow(book, shard, epoch);
		this.#save(shard);
	}

	/** `closed` connections of `shard` (running as `epoch`) closed; a report from an earlier epoch counts for nothing. */
	closed(shard: number, epoch: string, closed: number): void {
		const book = this.#current();
		if (this.#epochs.get(shard) !== epoch) return;
		for (let i = 0; i < closed; i++) book.closed(shard);
		this.#save(shard);
	}

	/** A shard's new epoch: its earlier connections are gone (the caller starts their leave graces). */
	#follow(book: PlacementBook, shard: number, epoch: string): void {
		const known = this.#epochs.get(shard);
		if (known === epoch) return;
		this.#epochs.set(shard, epoch);
		book.setCount(shard, 0);
		if (known !== undefined) this.#options.restarted?.(shard);
	}

	#save(shard: number): void {
		const { sql, prepare } = this.#options;
		prepare();
		const connections = this.#current().count(shard);
		const epoch = this.#epochs.get(shard) as string;
		if (connections === 0) sql.exec("DELETE FROM shard_objects WHERE shard = ?", shard);
		else {
			sql.exec(
				"INSERT OR REPLACE INTO shard_objects (shard, epoch, connections) VALUES (?, ?, ?)",
				shard,
				epoch,
				connections,
			);
		}
	}

	/** The book, built once per instance from storage, with the root's own count taken now. */
	#current(): PlacementBook {
		if (!this.#book) {
			const { shardConnections, maxConnections, ticketMs } = this.#options;
			this.#book = new PlacementBook({ shardConnections, maxConnections, ticketMs });
			if (this.#options.prepared()) {
				for (const row of this.#options.sql.exec<ShardRow>("SELECT * FROM shard_objects")) {
					this.#epochs.set(row.shard, row.epoch);
					this.#book.setCount(row.shard, row.connections);
				}
			}
		}
		this.#book.setCount(ROOT_SHARD, this.#options.localConnections());
		return this.#book;
	}
}
