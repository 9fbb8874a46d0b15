/**
 * The root's view of its shards' registered connections: who is on which shard, per user, how
 * many hear presence, and what a registration, an Unregister or a close does to the one roster.
 */
import { describe, expect, it, vi } from "vitest";
import type { Presence } from "../../src/room/presence/presence";
import type { PresenceStore } from "../../src/room/presence/store";
import type { Identity, RosterChange } from "../../src/room/roster";
import { RemoteAudience } from "../../src/room/shards/remote-audience";
import { RemoteConnection } from "../../src/room/shards/remote-connection";

const identity = (userId: string): Identity => ({ userId, name: userId, meta: {}, registeredAt: 1, updatedAt: 1 });

function audience() {
	const presence = {
		register: vi.fn((_change: RosterChange<string>, reply: () => void) => reply()),
		leave: vi.fn(),
		close: vi.fn(),
	};
	const store = { locate: vi.fn() };
	const remote = new RemoteAudience(() => presence as unknown as Presence, store as unknown as PresenceStore);
	const register = (shard: number, id: string, userId: string, mode: "events" | "batched" | "count" = "events") => {
		const connection = new RemoteConnection(shard, id);
		const change = { identity: identity(userId) } as RosterChange<string>;
		remote.register(connection, change, { mode, batch: false }, `Registered ${id}`);
		return connection;
	};
	return { remote, presence, store, register };
}

describe("RemoteAudience", () => {
	it("knows each registered connection by id, shard and user, and replies with its Registered", () => {
		const { remote, store, register } = audience();
		const a = register(1, "a", "ann");
		register(2, "b", "ann", "count");
		register(2, "c", "cat", "batched");
		expect(a.takeReplies()).toEqual(["Registered a"]);
		expect(store.locate).toHaveBeenCalledWith("a", 1, { mode: "events", batch: false });
		expect([remote.size, [...remote.shards()].sort()]).toEqual([3, [1, 2]]);
		expect(remote.ofUser("ann").map((connection) => connection.id)).toEqual(["a", "b"]);
		expect([remote.holds(1, "ann"), remote.holds(1, "cat"), remote.holds(2, "cat")]).toEqual([true, false, true]);
		// `count` connections hear no roster change.
		expect([remote.rosterListeners(), remote.rosterListeners(a)]).toEqual([2, 1]);
	});

	it("lets go of a connection on Unregister (a leave) and on a close (its grace), once", () => {
		const { remote, presence, register } = audience();
		const a = register(1, "a", "ann");
		register(1, "b", "bob");
		remote.unregister(a, "unregister");
		expect(presence.leave).toHaveBeenCalledWith("a", identity("ann"), "unregister");
		expect(a.identity).toBeUndefined();
		remote.close("b", "close", 50);
		remote.close("b", "close", 60);
		expect(presence.close).toHaveBeenCalledTimes(1);
		expect(presence.close).toHaveBeenCalledWith("b", identity("bob"), "close", 50);
		expect([remote.size, [...remote.shards()]]).toEqual([0, []]);
	});

	it("closes every connection of a shard that restarted, and only those", () => {
		const { remote, presence, register } = audience();
		register(1, "a", "ann");
		register(1, "b", "bob");
		register(2, "c", "cat");
		remote.closeShard(1, 7);
		expect(presence.close.mock.calls.map(([id]) => id).sort()).toEqual(["a", "b"]);
		expect([...remote.shards()]).toEqual([2]);
	});
});
