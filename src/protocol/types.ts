/** The objects and frames of the room protocol, as TypeScript types. */
import type { ErrorCode, HEARTBEAT, LeaveReason, SERVER_EVENT_TYPE, ServerEvents } from "./constants";

export type JsonObject = { [key: string]: unknown };

/** A registered user of a room, aggregated over all of that user's registered connections. */
export interface User {
	userId: string;
	name: string;
	meta: JsonObject;
	/** How many registered connections the user has in the room now. */
	connections: number;
	/** Epoch ms of the earliest of those connections' registrations. */
	joinedAt: number;
}

export interface MessageSender {
	userId: string;
	name: string;
}

export interface Message {
	id: string;
	seq: number;
	from: MessageSender;
	message: unknown;
	sentAt: number;
	to?: string;
}

// ---- client → server: derived from the schema table in client-events.ts ------

export type {
	ClientEventData,
	ClientFrame,
	RegisterData,
	SendMessageData,
	SignalRequestData,
	UnregisterData,
	UpdateUserData,
} from "./client-events";

// ---- server → client -------------------------------------------------------

/** A room's rate limit and frame size, by which a client paces itself. */
export interface RoomLimits {
	eventsPerSecond: number;
	burst: number;
	maxMessageBytes: number;
	/** How long the room may hold an event for a batched connection (1.2; absent from a 1.1 room). */
	batchMs?: number;
}

export interface ConnectionEstablishedData {
	protocol: number;
	version: string;
	connectionId: string;
	room: string;
	heartbeat: typeof HEARTBEAT;
	limits: RoomLimits;
	leaveGraceMs: number;
	/**
	 * Which of the room's objects holds this connection, 0 for the room's first (1.3; absent
	 * from an older room). For diagnostics only: every rule holds for the room as a whole.
	 */
	shard?: number;
}

/** This connection's user, as the room sees it. */
export type SelfUser = User & { connectionId: string };

export interface RegisteredData {
	self: SelfUser;
	/** Everyone present, self included; empty in `count` mode. */
	users: readonly User[];
	/** How many users are present (leave grace included). */
	userCount: number;
	/** The room's latest seq, 0 before its first message. */
	lastSeq: number;
	/** Oldest first: after `since` (at most 100), or the latest 50 without it. */
	history: Message[];
	/** Messages after `since` (or older ones, without it) that `history` leaves out. */
	historyTruncated: boolean;
}

export interface PresenceData {
	joined: User[];
	updated: User[];
	left: { user: User; reason: LeaveReason }[];
	userCount: number;
}

export interface OccupancyData {
	userCount: number;
	connectionCount: number;
}

/** An ephemeral signal as delivered: never stored, no seq. */
export interface SignalData {
	from: MessageSender;
	signal: unknown;
	sentAt: number;
	to?: string;
}

export interface MessageAckData {
	id: string;
	seq: number;
	sentAt: number;
	duplicate?: true;
}

export interface ErrorData {
	code: ErrorCode;
	message: string;
}

/** The `data` of each server event, by event name. */
export interface ServerEventData {
	[ServerEvents.ConnectionEstablished]: ConnectionEstablishedData;
	[ServerEvents.Registered]: RegisteredData;
	[ServerEvents.Unregistered]: Record<string, never>;
	[ServerEvents.UserJoined]: { user: User };
	[ServerEvents.UserUpdated]: { user: User };
	[ServerEvents.UserLeft]: { user: User; reason: LeaveReason };
	[ServerEvents.Updated]: { self: SelfUser };
	[ServerEvents.Presence]: PresenceData;
	[ServerEvents.Occupancy]: OccupancyData;
	[ServerEvents.Message]: Message;
	[ServerEvents.MessageAck]: MessageAckData;
	[ServerEvents.Signal]: SignalData;
	[ServerEvents.Error]: ErrorData;
}

export type ServerFrame = {
	[E in keyof ServerEventData]: {
		eventType: typeof SERVER_EVENT_TYPE;
		event: E;
		requestId?: string;
		data: ServerEventData[E];
	};
}[keyof ServerEventData];

/** `GET /rooms/:room/users`: every user present, or a page of them (1.3). */
export interface UsersPage {
	room: string;
	/** Earliest joiner first. */
	users: readonly User[];
	/** How many users the whole room has, whatever the page holds. */
	userCount: number;
	/** Present when more users follow this page (1.3): pass it back for the next one. */
	cursor?: string;
}

/** `GET /rooms/:room/occupancy` (1.2): the room's counts, as `Occupancy` tells them. */
export interface OccupancyPage {
	room: string;
	userCount: number;
	connectionCount: number;
	/** How many of the room's objects hold connections now (1.3): 0 when none do. */
	shards: number;
}

/** `GET /rooms/:room/messages`. */
export interface MessagesPage {
	room: string;
	messages: Message[];
	lastSeq: number;
}

/** HTTP error body. */
export interface HttpErrorBody {
	error: { code: string; message: string };
}
