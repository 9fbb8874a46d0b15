/**
 * (1.4) A room's root's feed to its directory partition, wired to the object: its storage, its
 * roster's counts, and the partition found in the namespace this object itself belongs to
 * (whatever the Worker calls the binding, as a shard finds its root).
 */
import type { RoomState } from "../room-state";
import { ownNamespace } from "../shards/shard-link";
import { DirectoryFeed } from "./directory-feed";
import { directoryPartition } from "./partition-calls";
import { partitionOf } from "./partitions";

export interface RootFeedContext {
	ctx: DurableObjectState;
	env: unknown;
	/** This object's name (the room's). */
	name: string;
	state: RoomState;
	now: () => number;
	changed: () => void;
	logFailure: (entryPoint: string, error: unknown) => void;
}

export function rootDirectoryFeed(context: RootFeedContext, room: string): DirectoryFeed {
	const { ctx, env, name, state, now, changed, logFailure } = context;
	return new DirectoryFeed({
		room,
		kv: ctx.storage.kv,
		prepared: () => state.store.prepared,
		counts: () => state.hub.counts(),
		send: (update) => {
			const namespace = ownNamespace(env, name, ctx.id);
			if (!namespace) throw new Error("no Durable Object namespace in the environment holds this room");
			return directoryPartition(namespace, partitionOf(room)).directoryUpdate(update);
		},
		waitUntil: (promise) => ctx.waitUntil(promise),
		changed,
		now,
		logFailure,
	});
}
