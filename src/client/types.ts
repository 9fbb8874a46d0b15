/** The client library's public types: options, states and the events it emits. */
import type { LeaveReason } from "../protocol/constants";
import type { JsonObject, Message, RegisteredData, SignalData, User } from "../protocol/types";
import type { BackoffOptions } from "./backoff";
import type { RoomError } from "./errors";
import type { FetchLike } from "./refusal-check";
import type { ClientSettings } from "./settings";

export interface RoomClientOptions extends Partial<Omit<ClientSettings, "backoff">> {
	room: string;
	/** Required in development mode; with a token it may be left out (the token's `sub` is used). */
	userId?: string;
	name?: string;
	meta?: JsonObject;
	/** A JWT, or a function that returns a fresh one before every (re)connection. */
	token?: string | (() => string | Promise<string>);
	/** The service's origin, `https://rooms.example.com`, with the prefix rooms are mounted under if any (`https://app.example.com/chat`); default: the page's own origin. */
	host?: string;
	/** Merged over `DEFAULT_OPTIONS.backoff`. */
	backoff?: Partial<BackoffOptions>;
	/** For tests and non-browser runtimes. */
	WebSocket?: unknown;
	/** Asks the room's users page why connecting fails (default: the global `fetch`; `null`: never ask). */
	fetch?: FetchLike | null;
	random?: () => number;
	now?: () => number;
}

/** `connecting` until the first `Registered`; `unregistered` after `unregister()`, still connected. */
export type RoomClientState = "connecting" | "registered" | "reconnecting" | "unregistered" | "closed";

/** Who is present, as every `presence` event tells it. */
export interface PresenceSnapshot {
	/** Everyone present, earliest first (leave grace included); always empty in `count` mode. */
	users: User[];
	/** How many users are present, leave grace included. */
	userCount: number;
	/** Their registered connections: from `Occupancy` in `count` mode (unknown from each `Registered` until the next one), else summed over `users`. */
	connectionCount: number | undefined;
}

/** A user who left, and why. */
export interface Departure {
	user: User;
	reason: LeaveReason;
}

/**
 * A change of presence: `sync` replaces everything (a `Registered`, or leaving the room), `joined`,
 * `updated` and `left` are single changes ("events" mode, and our own `updateUser`), `batch` is
 * one `Presence` frame ("batched" mode), `occupancy` new counts ("count" mode).
 */
export type PresenceChange = PresenceSnapshot &
	(
		| { type: "sync" }
		| { type: "joined" | "updated"; user: User }
		| ({ type: "left" } & Departure)
		| { type: "batch"; joined: User[]; updated: User[]; left: Departure[] }
		| { type: "occupancy" }
	);

/** What `updateUser()` may change; at least one of the two. */
export interface UserFields {
	/** 1–64 characters. */
	name?: string;
	/** At most 1 KiB as JSON; replaces the whole `meta`. */
	meta?: JsonObject;
}

export interface RegisteredInfo {
	self: RegisteredData["self"];
	lastSeq: number;
	/** Older messages than those delivered exist (see `GET /rooms/:room/messages`). */
	historyTruncated: boolean;
	/** The room's storage was reset since we last saw it: earlier seqs mean nothing now. */
	reset: boolean;
}

export type RoomClientEvents = {
	message: (message: Message, context: { history: boolean }) => void;
	presence: (change: PresenceChange) => void;
	state: (state: RoomClientState, previous: RoomClientState) => void;
	registered: (info: RegisteredInfo) => void;
	/** Another connection's signal (never our own): `from`, `signal`, `sentAt`, and `to` when it was for us alone. */
	signal: (signal: SignalData) => void;
	error: (error: RoomError) => void;
};

export interface SendOptions {
	/** A userId: a direct message to that user's connections only. */
	to?: string;
}

export interface SignalOptions {
	/** A userId: only that user's connections get it. */
	to?: string;
	/**
	 * Names a stream of signals (typing, a cursor): calls with the same key are coalesced, at most
	 * one per `throttleMs` goes, the latest value (and `to`) wins, and the last one always goes.
	 */
	key?: string;
	/** For a keyed signal; default `DEFAULT_OPTIONS.signalThrottleMs` (50). */
	throttleMs?: number;
}

/**
 * What `signal()` did: "sent" is written to the socket; "queued" waits for its key's throttle or
 * for the pace, and goes unless a later call with its key replaces it or the client leaves the
 * room first; "dropped" is not sent at all, because the client is not in the room (offline,
 * reconnecting, unregistered, closed) or `signalQueueLimit` unkeyed signals already wait.
 */
export type SignalOutcome = "sent" | "queued" | "dropped";
