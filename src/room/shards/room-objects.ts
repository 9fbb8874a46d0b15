/**
 * (1.3) What an object does as one of its room's objects, read from its name. A root that may
 * spread places connections (root-placement.ts), applies its shards' reports (root-reports.ts) and
 * streams messages and signals to them (root-stream.ts). A shard takes only what its root placed
 * there, sends its clients' requests and closes to the root (report-channel.ts) and delivers the
 * root's stream to its sockets (shard-stream.ts). A room with `SHARD_CONNECTIONS` 0 is a root that
 * places nothing: the one-object room, unchanged.
 */

import type { RoomsEnv } from "../../env";
import type { ClientFrame, LeaveReason, OccupancyData } from "../../protocol";
import type { RoomSettings } from "../../settings";
import type { Connection } from "../connection";
import type { DirectoryFeed } from "../directory/directory-feed";
import { rootDirectoryFeed } from "../directory/root-feed";
import type { RatePolicy } from "../rate-limit";
import { type RemoveResult, removeUser } from "../removal";
import type { RoomState } from "../room-state";
import { welcomeFrame } from "../welcome";
import type { DeliverAnswer, DeliverCall, FillAnswer, ReportsAnswer, ShardCalls, ShardReportBatch } from "./calls";
import { isRoot, type ObjectRole, objectRole, ROOT_SHARD, shardObjectName } from "./names";
import type { Confirmation } from "./placement";
import { ReportChannel } from "./report-channel";
import { RootPlacement } from "./root-placement";
import { RootPresence } from "./root-presence";
import { RootReports } from "./root-reports";
import { RootStream } from "./root-stream";
import { RootUsers } from "./root-users";
import { ownNamespace, ShardLink, TEST_ROOT_BINDING, TEST_SHARDS_BINDING, testNamespace } from "./shard-link";
import { ShardStream } from "./shard-stream";
import { answerLocalUpgrade, answerRootUpgrade, answerShardUpgrade, type UpgradeContext } from "./upgrades";

/** How long the root holds a shard's place for an upgrade it placed there (the Worker's next hop). */
const SHARD_TICKET_MS = 10_000;

export interface RoomObjectsOptions {
	ctx: DurableObjectState;
	env: unknown;
	/** This object's name (`room` or `room~k`). */
	name: string;
	settings: RoomSettings;
	ratePolicy: RatePolicy;
	state: RoomState;
	now: () => number;
	/** After a call between objects ended outside an entry point: the alarm planned again. */
	changed: () => void;
	logFailure: (entryPoint: string, error: unknown) => void;
}

interface RootParts {
	placement: RootPlacement;
	reports: RootReports;
	stream: RootStream;
	users: RootUsers;
}

interface ShardParts {
	link: ShardLink;
	stream: ShardStream;
	channel: ReportChannel;
}

export class RoomObjects {
	readonly role: ObjectRole;
	readonly #root: RootParts | undefined;
	readonly #shard: ShardParts | undefined;
	/** (1.4) At a room's root: the directory's view of the room, kept in step. */
	readonly #directory: DirectoryFeed | undefined;
	readonly #options: RoomObjectsOptions;

	constructor(options: RoomObjectsOptions) {
		this.#options = options;
		this.role = objectRole(options.name) ?? { room: options.name, shard: ROOT_SHARD };
		if (!isRoot(this.role)) this.#shard = shardParts(options, this.role);
		else if (options.settings.shardConnections > 0) this.#root = rootParts(options, this.role);
		if (isRoot(this.role) && objectRole(options.name)) this.#directory = rootDirectoryFeed(options, this.role.room);
	}

	/** Whether this object is a shard (its clients' events go to its root). */
	get isShard(): boolean {
		return this.#shard !== undefined;
	}

	/**
	 * An upgrade: at a shard, taken once the root confirms its ticket; at a root that may spread,
	 * accepted, refused or placed; in a room in one object, accepted or refused.
	 */
	answerUpgrade(request: Request, now: number): Response | Promise<Response> {
		const { ctx, state, settings, ratePolicy } = this.#options;
		const { room, shard } = this.role;
		// (1.5) `/rooms/:room/mqtt`: an MQTT session, which gets no welcome.
		const welcome = new URL(request.url).pathname.endsWith("/mqtt")
			? { passwordToken: Boolean((this.#options.env as RoomsEnv).AUTH_SECRET) }
			: (connectionId: string) => welcomeFrame(connectionId, room, settings, ratePolicy, shard);
		const context: UpgradeContext = { ctx, state, settings, welcome, now };
		if (this.#shard) return answerShardUpgrade(context, this.#shard.link, this.#shard.link.epoch, request);
		if (this.#root) return answerRootUpgrade(context, this.#root.placement, this.#root.users, request);
		return answerLocalUpgrade(context, request);
	}

	/** `/occupancy`'s `shards`: the room's objects holding connections now. */
	objectsInUse(local: number): number {
		if (this.#root) return this.#root.placement.objectsInUse();
		return local > 0 ? 1 : 0;
	}

	/**
	 * Whether the room is held on objects other than this one, so that the root keeps its storage:
	 * connections on its shards (it keeps their rows), or (1.4) a directory partition that may still
	 * list it (its removal is acknowledged first).
	 */
	holdsElsewhere(now: number): boolean {
		const placement = this.#root?.placement;
		if (placement !== undefined && placement.total(now) > placement.count(ROOT_SHARD)) return true;
		return this.#directory?.owed ?? false;
	}

	/** At the root: a shard asks to take the connection `ticket` held a place for (its user counted from now). */
	confirmTicket(
		asked: { shard: number; epoch: string; ticket: string; connectionId: string; userId?: string | undefined },
		now: number,
	): Confirmation {
		const { placement, users } = this.#rootParts("confirmTicket");
		const { shard, epoch, ticket, connectionId, userId } = asked;
		const answer = placement.confirm(shard, epoch, ticket, now);
		if (answer !== "full") users.opened(ticket, shard, connectionId, userId);
		return answer;
	}

	/** (1.4) At the root: a backend removes `userId` from every object of the room, banned for `banSeconds`. */
	removeUser(userId: string, banSeconds: number, now: number): RemoveResult {
		if (this.#shard) throw new Error("remove reached a room's shard; a room is managed through its root");
		const { state } = this.#options;
		const root = this.#root;
		const onShards = (user: string) =>
			(root?.users.connectionsOf(user, state.store.prepared) ?? [])
				.filter(({ shard }) => root?.stream.follows(shard))
				.map(({ connectionId }) => connectionId);
		const remove = (user: string, shards: string[]) => state.hub.removeUser(user, shards);
		return removeUser({ bans: state.bans, onShards, remove, now }, userId, banSeconds);
	}

	/** At the root: a shard's report batch, applied once. */
	reports(shard: number, epoch: string, batch: ShardReportBatch, now: number): ReportsAnswer {
		return this.#rootParts("reports").reports.apply(shard, epoch, batch, now);
	}

	/** At the root: a hole in a shard's stream, from history. */
	fill(shard: number, first: number, last: number): FillAnswer {
		return this.#rootParts("fill").stream.fill(shard, first, last);
	}

	/** (1.5) The room's counts as this object knows them: a shard's, from its root's presence log. */
	counts(): OccupancyData {
		return this.#shard?.stream.counts ?? this.#options.state.hub.counts();
	}

	/** At a shard: the root's stream. */
	deliver(shard: number, call: DeliverCall): DeliverAnswer {
		const parts = this.#shardParts("deliver");
		if (shard !== parts.link.shard) throw new Error(`deliver for shard ${shard} reached shard ${parts.link.shard}`);
		return parts.stream.deliver(call, parts.link.epoch);
	}

	/** At a shard: a client's checked frame, for the root. */
	forward(connection: Connection, frame: ClientFrame): void {
		this.#shardParts("forward").channel.forward(connection, frame);
	}

	/** A connection was let go of: at a shard, the root hears of it. */
	released(connection: Connection, reason: LeaveReason): void {
		const parts = this.#shard;
		if (!parts) return;
		parts.link.learnEpoch(connection);
		parts.channel.closed(connection, reason === "timeout" ? "timeout" : "close");
		parts.stream.settle(connection);
	}

	/** After every event: what is due between objects goes (reports, the stream, a hole's retry). */
	afterEvent(): void {
		this.#root?.stream.pump();
		this.#shard?.channel.pump();
		this.#shard?.stream.due();
		this.#directory?.pump();
	}

	/** When this object must run again for its calls to other objects, if ever. */
	wakeAt(): number | undefined {
		const times = [
			this.#root?.stream.wakeAt(),
			this.#shard?.channel.wakeAt(),
			this.#shard?.stream.wakeAt(),
			this.#directory?.wakeAt(),
		];
		const due = times.filter((time) => time !== undefined);
		return due.length === 0 ? undefined : Math.min(...due);
	}

	#rootParts(call: string): RootParts {
		if (this.#root) return this.#root;
		throw new Error(`${call} reached an object that places no connections (a shard, or SHARD_CONNECTIONS 0)`);
	}

	#shardParts(call: string): ShardParts {
		if (this.#shard) return this.#shard;
		throw new Error(`${call} reached a room's root, which takes it only from its shards`);
	}
}

function rootParts(options: RoomObjectsOptions, role: ObjectRole): RootParts {
	const { ctx, env, name, settings, state, now, changed, logFailure } = options;
	const { store, hub } = state;
	const sql = ctx.storage.sql;
	const users = new RootUsers(sql, () => store.prepare());
	const presence = new RootPresence({ sql, store, counts: () => hub.counts(), appendedLater: changed });
	const stream: RootStream = new RootStream({
		sql,
		store,
		remote: () => hub.remote,
		log: presence.log,
		shard: (shard) => {
			const namespace = testNamespace(env, TEST_SHARDS_BINDING) ?? ownNamespace(env, name, ctx.id);
			if (!namespace) throw new Error("no Durable Object namespace in the environment holds this room");
			return namespace.get(namespace.idFromName(shardObjectName(role.room, shard))) as unknown as ShardCalls;
		},
		waitUntil: (promise) => ctx.waitUntil(promise),
		restarted: (shard, epoch) => {
			placement.learnEpoch(shard, epoch);
			hub.remote.closeShard(shard, now());
		},
		changed,
		now,
		logFailure,
	});
	const placement = new RootPlacement({
		...settings,
		ticketMs: SHARD_TICKET_MS,
		sql,
		prepare: () => store.prepare(),
		prepared: () => store.prepared,
		localConnections: () => hub.size,
		restarted: (shard) => {
			hub.remote.closeShard(shard, now());
			stream.unfollow(shard);
			users.shardGone(shard);
		},
	});
	store.receivedByShards = () => stream.receivedByAll();
	const reports = new RootReports({
		state,
		sql,
		transaction: (run) => {
			try {
				return ctx.storage.transactionSync(run);
			} catch (error) {
				// Storage is as before the batch, memory is not: start again from storage.
				logFailure("reports (transaction)", error);
				ctx.abort("a report batch failed and was rolled back");
				throw error;
			}
		},
		closed: (shard, epoch, connectionId) => {
			placement.closed(shard, epoch, 1);
			users.closed(connectionId);
		},
		registered: (shard, epoch, seq, pres) => stream.follow(shard, epoch, seq, pres),
		stamp: () => presence.stamp(),
		leaveStamp: (shard) => stream.stamp(shard),
		settled: (shard) => stream.release(shard),
		logFailure,
	});
	state.shards = stream;
	state.remotePresence = presence;
	return { placement, reports, stream, users };
}

function shardParts(options: RoomObjectsOptions, role: ObjectRole): ShardParts {
	const { ctx, env, name, state, now, changed, logFailure } = options;
	const link = new ShardLink(
		role,
		() => ctx.getWebSockets(),
		() => testNamespace(env, TEST_ROOT_BINDING) ?? ownNamespace(env, name, ctx.id),
	);
	const waitUntil = (promise: Promise<unknown>) => ctx.waitUntil(promise);
	const stream = new ShardStream({
		hub: state.hub,
		kv: ctx.storage.kv,
		fill: (first, last) => link.fill(first, last),
		waitUntil,
		changed,
		now,
		logFailure,
	});
	const channel = new ReportChannel({
		hub: state.hub,
		stream,
		send: (batch) => link.reports(batch),
		waitUntil,
		changed,
		now,
		logFailure,
	});
	return { link, stream, channel };
}
