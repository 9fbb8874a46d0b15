/**
 * (1.3) What an object does as one of its room's objects, read from its name: a root that may
 * spread places connections (root-placement.ts) and answers its shards' calls; a shard takes only
 * what its root placed there and tells the root of its closes (shard-link.ts). A room with
 * `SHARD_CONNECTIONS` 0 is a root that places nothing: the one-object room, unchanged.
 */
import type { RoomSettings } from "../../settings";
import type { Connection } from "../connection";
import type { RoomStore } from "../store";
import { isRoot, type ObjectRole, objectRole, ROOT_SHARD } from "./names";
import type { Confirmation } from "./placement";
import { RootPlacement } from "./root-placement";
import { ownNamespace, ShardLink } from "./shard-link";
import { answerLocalUpgrade, answerRootUpgrade, answerShardUpgrade, type UpgradeContext } from "./upgrades";

/** How long the root holds a shard's place for an upgrade it placed there (the Worker's next hop). */
const SHARD_TICKET_MS = 10_000;

export interface RoomObjectsOptions {
	ctx: DurableObjectState;
	env: unknown;
	/** This object's name (`room` or `room~k`). */
	name: string;
	settings: RoomSettings;
	store: RoomStore;
	/** This object's own connections now. */
	localConnections: () => number;
}

export class RoomObjects {
	readonly role: ObjectRole;
	readonly #placement: RootPlacement | undefined;
	readonly #link: ShardLink | undefined;

	constructor(options: RoomObjectsOptions) {
		const { ctx, env, name, settings, store, localConnections } = options;
		this.role = objectRole(name) ?? { room: name, shard: ROOT_SHARD };
		if (!isRoot(this.role)) {
			this.#link = new ShardLink(
				this.role,
				() => ctx.getWebSockets(),
				() => ownNamespace(env, name, ctx.id),
			);
		} else if (settings.shardConnections > 0) {
			this.#placement = new RootPlacement({
				...settings,
				ticketMs: SHARD_TICKET_MS,
				sql: ctx.storage.sql,
				prepare: () => store.prepare(),
				prepared: () => store.prepared,
				localConnections,
			});
		}
	}

	/** Whether this object is a shard (its clients' events belong to its root). */
	get isShard(): boolean {
		return this.#link !== undefined;
	}

	/**
	 * An upgrade: at a shard, taken once the root confirms its ticket; at a root that may spread,
	 * accepted, refused or placed; in a room in one object, accepted or refused. Synchronous from
	 * the checks to the answer but for a shard's one call to its root.
	 */
	answerUpgrade(context: UpgradeContext, request: Request): Response | Promise<Response> {
		if (this.#link) return answerShardUpgrade(context, this.#link, this.#link.epoch, request);
		if (this.#placement) return answerRootUpgrade(context, this.#placement, request);
		return answerLocalUpgrade(context, request);
	}

	/** `/occupancy`'s `shards`: the room's objects holding connections now. */
	objectsInUse(): number {
		if (this.#placement) return this.#placement.objectsInUse();
		return this.#local() > 0 ? 1 : 0;
	}

	/** Whether connections of this room are held on objects other than this one (the root keeps its rows then). */
	holdsElsewhere(now: number): boolean {
		return this.#placement !== undefined && this.#placement.total(now) > this.#local();
	}

	/** At the root: a shard asks to take the connection `ticket` held a place for. */
	confirmTicket(shard: number, epoch: string, ticket: string, now: number): Confirmation {
		return this.#rootPlacement("confirmTicket").confirm(shard, epoch, ticket, now);
	}

	/** At the root: `closed` connections of a shard closed. */
	shardClosed(shard: number, epoch: string, closed: number): void {
		this.#rootPlacement("shardClosed").closed(shard, epoch, closed);
	}

	/** At a shard: a connection was let go of. */
	released(connection: Connection): void {
		this.#link?.released(connection);
	}

	/** At a shard, after every event: the root hears of what closed. */
	async afterEvent(): Promise<void> {
		await this.#link?.reportClosed();
	}

	#local(): number {
		return this.#placement ? this.#placement.count(ROOT_SHARD) : 0;
	}

	#rootPlacement(call: string): RootPlacement {
		if (this.#placement) return this.#placement;
		throw new Error(`${call} reached an object that places no connections (a shard, or SHARD_CONNECTIONS 0)`);
	}
}
