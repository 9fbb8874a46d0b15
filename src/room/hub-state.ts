/**
 * The Hub's cache, built on first use after a wake-up from what survived: the sockets'
 * attachments and the durable roster.
 */
import { clock } from "../clock";
import type { OccupancyData } from "../protocol";
import { Connection } from "./connection";
import type { HubOptions } from "./hub";
import { PresenceFeed } from "./presence/feed";
import { Presence } from "./presence/presence";
import type { Identity } from "./roster";
import { RemoteAudience } from "./shards/remote-audience";
import { RemoteConnection } from "./shards/remote-connection";

export interface HubState {
	live: Map<WebSocket, Connection>;
	/** Live sockets by connection id: the roster knows connections by id. */
	byId: Map<string, WebSocket>;
	/** Live connections per verified user (a count kept, not taken per upgrade). */
	verified: Map<string, number>;
	/** The sockets of registered live connections, whom a broadcast reaches: kept, not filtered per frame. */
	audience: Set<WebSocket>;
	presence: Presence;
	feed: PresenceFeed;
	/** (1.3) At a root, the registered connections its shards hold. */
	remote: RemoteAudience;
}

/** Rebuilds the Hub's state; `send` is the Hub's fan-out, which deals with peers it cannot reach. */
export function buildHubState(
	options: HubOptions,
	send: (sockets: Iterable<WebSocket>, frame: string, except?: WebSocket) => void,
): HubState {
	const { sockets, store, graceMs, presenceBatchMs, maxBufferedBytes } = options;
	const live = new Map<WebSocket, Connection>();
	const byId = new Map<string, WebSocket>();
	const verified = new Map<string, number>();
	const audience = new Set<WebSocket>();
	const registered = new Map<string, Identity>();
	const feed: PresenceFeed = new PresenceFeed({
		batchMs: presenceBatchMs,
		send: (targets, frame, except) => send([...targets], frame, except),
		counts: (): OccupancyData => presence.counts(),
		remote: { batched: () => remote.batchedListeners, windowEnded: (frame) => remote.window(frame) },
	});
	const remote = new RemoteAudience(
		() => presence,
		store,
		() => options.remotePresence?.(),
	);
	const presence: Presence = new Presence({
		store,
		feed: {
			announce: (change, except) => {
				feed.announce(change, except);
				// A connection of this object causing it is on no shard: the cause that matters is a shard's.
				remote.presence(change);
			},
		},
		graceMs,
		leavePace: leavePace(maxBufferedBytes),
		changed: options.rosterChanged,
	});
	const listeners: Connection[] = [];
	for (const ws of sockets()) {
		const connection = Connection.restore(ws);
		if (!connection || connection.closed) continue;
		live.set(ws, connection);
		byId.set(connection.id, ws);
		countVerified(verified, connection, 1);
		if (!connection.identity) continue;
		audience.add(ws);
		// A shard's registered connections are the root's to count: here they only hear the stream.
		if (options.mirror) continue;
		registered.set(connection.id, connection.identity);
		listeners.push(connection);
	}
	const rows = store.all();
	for (const { connectionId, identity, grace, remote: where } of rows) {
		if (!where || grace) continue;
		// Held by a shard, which the root takes as live until the shard is known to have restarted.
		remote.restore(RemoteConnection.registered(where.shard, connectionId, identity, where));
		registered.set(connectionId, identity);
	}
	presence.restore(registered, rows, clock.now());
	// A room hibernates only once its timers have run: every `count` connection was told these counts.
	const counts = presence.counts();
	for (const { socket, presenceMode } of listeners) feed.listen(socket, presenceMode, counts);
	return { live, byId, verified, audience, presence, feed, remote };
}

/**
 * How fast a whole room's graces may end at once: each reader is sent at most a quarter of its
 * backlog bound in leaves per burst (a leave's frame is at most about 2 KiB: ids, name and 1 KiB
 * of meta), and bursts are a quarter of a second apart, about the bound a second.
 */
export function leavePace(maxBufferedBytes: number): { burst: number; pauseMs: number } {
	return { burst: Math.max(1, Math.floor(maxBufferedBytes / 4 / 2048)), pauseMs: 250 };
}

/** Keeps `counts` (connections per verified user) in step with the live connections. */
export function countVerified(counts: Map<string, number>, connection: Connection, change: 1 | -1): void {
	const userId = connection.verified?.userId;
	if (userId === undefined) return;
	const count = (counts.get(userId) ?? 0) + change;
	if (count > 0) counts.set(userId, count);
	else counts.delete(userId);
}
