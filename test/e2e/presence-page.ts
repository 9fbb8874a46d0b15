/**
 * The page of the presence convergence browser test (bundled and served by react/page-server.ts):
 * the client library (src/client, what `edge-rooms/client` is built from) in Chromium, driven
 * through `window.presenceHarness`: RoomClients in a presence mode, each named by its userId,
 * moved into the room when the test says, and what each shows.
 */
import { type PresenceMode, type PresenceSnapshot, RoomClient, type User } from "../../src/client";

/** What one of the page's clients shows: its `users` and `userCount`, and its last `presence` event's connection count. */
export interface PageView {
	users: User[];
	userCount: number;
	connectionCount: number | undefined;
}

export interface PresenceHarness {
	/** Starts a RoomClient for `userId` in `mode`; `connected()` waits for its first `Registered`. */
	start(room: string, host: string, userId: string, mode: PresenceMode): void;
	/** Every started client is registered (once each). */
	connected(): Promise<void>;
	/** Takes a registered client out of the room, keeping its socket. */
	unregister(userId: string): Promise<void>;
	/** Back into the room: one Register on the open socket. */
	register(userId: string): Promise<void>;
	view(userId: string): PageView;
	/** Leaves and closes every client. */
	closeAll(): Promise<void>;
}

interface Entry {
	client: RoomClient;
	last: PresenceSnapshot | undefined;
}

const clients = new Map<string, Entry>();
const connecting: Promise<void>[] = [];

function entry(userId: string): Entry {
	const found = clients.get(userId);
	if (!found) throw new Error(`no client "${userId}" in the page`);
	return found;
}

const harness: PresenceHarness = {
	start(room, host, userId, mode) {
		const client = new RoomClient({ room, userId, presence: mode, host });
		const made: Entry = { client, last: undefined };
		client.on("presence", (change) => {
			made.last = change;
		});
		clients.set(userId, made);
		connecting.push(client.connect());
	},
	async connected() {
		await Promise.all(connecting.splice(0));
	},
	unregister: (userId) => entry(userId).client.unregister(),
	register: (userId) => entry(userId).client.register(),
	view(userId) {
		const { client, last } = entry(userId);
		return { users: client.users, userCount: client.userCount, connectionCount: last?.connectionCount };
	},
	async closeAll() {
		await Promise.all([...clients.values()].map(({ client }) => client.close()));
		clients.clear();
	},
};

(globalThis as unknown as { presenceHarness: PresenceHarness }).presenceHarness = harness;
