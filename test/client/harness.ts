/** Builders for server frames and a client wired to FakeSocket, with its events recorded. */
import { vi } from "vitest";
import {
	type Message,
	type PresenceChange,
	RoomClient,
	type RoomClientOptions,
	type RoomError,
	type User,
} from "../../src/client";
import type {
	PresenceData,
	RegisteredData,
	RoomLimits,
	SelfUser,
	ServerFrame,
	SignalData,
} from "../../src/protocol/types";
import { DEFAULT_LIMITS, FakeSocket } from "./fake-socket";

export function user(userId: string, extra: Partial<User> = {}): User {
	return { userId, name: userId, meta: {}, connections: 1, joinedAt: 1_000, ...extra };
}

export function message(seq: number, from: string, text: string, extra: Partial<Message> = {}): Message {
	return { id: `id-${seq}`, seq, from: { userId: from, name: from }, message: text, sentAt: 1_000 + seq, ...extra };
}

export type RegisteredFields = {
	users?: User[];
	lastSeq?: number;
	history?: Message[];
	historyTruncated?: boolean;
	self?: string;
	/** Default: how many `users` there are. */
	userCount?: number;
};

/** A `Registered`'s data: by default alice alone in an empty room. */
export function registeredData(data: RegisteredFields = {}): RegisteredData {
	const self = data.self ?? "alice";
	const users = data.users ?? [user(self)];
	return {
		self: { ...user(self), connectionId: "c1" },
		users,
		userCount: data.userCount ?? users.length,
		lastSeq: data.lastSeq ?? 0,
		history: data.history ?? [],
		historyTruncated: data.historyTruncated ?? false,
	};
}

export function registered(requestId: string | undefined, data: RegisteredFields = {}): ServerFrame {
	return {
		eventType: "ServerEvent",
		event: "Registered",
		...(requestId === undefined ? {} : { requestId }),
		data: registeredData(data),
	};
}

/** A `Presence` frame ("batched" mode); `userCount` defaults to 0 so that tests say it. */
export function presence(data: Partial<PresenceData>): ServerFrame {
	const { joined = [], updated = [], left = [], userCount = 0 } = data;
	return { eventType: "ServerEvent", event: "Presence", data: { joined, updated, left, userCount } };
}

export function occupancy(userCount: number, connectionCount: number): ServerFrame {
	return { eventType: "ServerEvent", event: "Occupancy", data: { userCount, connectionCount } };
}

/** The `Updated` reply to an UpdateUser: alice on connection c1 with `fields`. */
export function updated(requestId: string | undefined, fields: Partial<User> = {}): ServerFrame {
	const self: SelfUser = { ...user("alice", fields), connectionId: "c1" };
	return {
		eventType: "ServerEvent",
		event: "Updated",
		...(requestId === undefined ? {} : { requestId }),
		data: { self },
	};
}

/** A `UserUpdated` frame ("events" mode): another connection, maybe another tab of ours, changed `changed`. */
export function userUpdated(changed: User): ServerFrame {
	return { eventType: "ServerEvent", event: "UserUpdated", data: { user: changed } };
}

export function unregistered(requestId: string | undefined): ServerFrame {
	return {
		eventType: "ServerEvent",
		event: "Unregistered",
		...(requestId === undefined ? {} : { requestId }),
		data: {},
	};
}

export function live(messageData: Message): ServerFrame {
	return { eventType: "ServerEvent", event: "Message", data: messageData };
}

/** Another user's `Signal`, as the room relays it. */
export function signalFrame(from: string, signal: unknown, to?: string): ServerFrame {
	const data: SignalData = {
		from: { userId: from, name: from },
		signal,
		sentAt: 2_000,
		...(to === undefined ? {} : { to }),
	};
	return { eventType: "ServerEvent", event: "Signal", data };
}

export function ack(requestId: string, seq: number, extra: { id?: string; duplicate?: true } = {}): ServerFrame {
	const { id = `id-${seq}`, duplicate } = extra;
	return {
		eventType: "ServerEvent",
		event: "MessageAck",
		requestId,
		data: { id, seq, sentAt: 1_000 + seq, ...(duplicate ? { duplicate } : {}) },
	};
}

export function error(requestId: string | undefined, code: string, text = "refused"): string {
	return JSON.stringify({
		eventType: "ServerEvent",
		event: "Error",
		...(requestId === undefined ? {} : { requestId }),
		data: { code, message: text },
	});
}

export interface Recorded {
	client: RoomClient;
	messages: Message[];
	history: boolean[];
	states: string[];
	errors: RoomError[];
	presence: PresenceChange[];
	signals: SignalData[];
}

/** A client on FakeSocket with a fixed jitter draw (0.5) and every event recorded. */
export function startClient(options: Partial<RoomClientOptions> = {}): Recorded {
	FakeSocket.instances = [];
	const client = new RoomClient({
		room: "lobby",
		userId: "alice",
		host: "http://rooms.test",
		WebSocket: FakeSocket,
		random: () => 0.5,
		// No HTTP here unless a test gives its own fetch (refusals.test.ts).
		fetch: null,
		...options,
	});
	const recorded: Recorded = { client, messages: [], history: [], states: [], errors: [], presence: [], signals: [] };
	client.on("message", (received, context) => {
		recorded.messages.push(received);
		recorded.history.push(context.history);
	});
	client.on("state", (state) => recorded.states.push(state));
	client.on("error", (failure) => recorded.errors.push(failure));
	client.on("presence", (change) => recorded.presence.push(change));
	client.on("signal", (signal) => recorded.signals.push(signal));
	return recorded;
}

/** Lets the client's promise chains (partysocket's connect, the URL provider) run. */
export async function settle(ms = 0): Promise<void> {
	await vi.advanceTimersByTimeAsync(ms);
}

/** connect(), the socket opens (announcing `limits`), and the Register is answered. Returns the socket. */
export async function joined(
	recorded: Recorded,
	data: RegisteredFields = {},
	limits: RoomLimits = DEFAULT_LIMITS,
): Promise<FakeSocket> {
	const connected = recorded.client.connect();
	await settle();
	const socket = FakeSocket.latest();
	socket.accept("c1", limits);
	socket.receive(registered(socket.lastFrame().requestId, data));
	await connected;
	return socket;
}

/** The socket after the next reconnect, opened and registered with `data`. */
export async function rejoined(
	afterMs: number,
	data: RegisteredFields = {},
	limits: RoomLimits = DEFAULT_LIMITS,
): Promise<FakeSocket> {
	const before = FakeSocket.instances.length;
	await settle(afterMs);
	if (FakeSocket.instances.length === before) throw new Error(`no reconnect within ${afterMs} ms`);
	const socket = FakeSocket.latest();
	socket.accept("c2", limits);
	socket.receive(registered(socket.lastFrame().requestId, data));
	await settle();
	return socket;
}
