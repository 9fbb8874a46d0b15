/**
 * The room settings, read from the Worker's variables.
 * Reading is forgiving: a missing or malformed value falls back to the contract's default
 * (and says so in the log), so one typo in a dashboard cannot take every room down.
 */
import type { Env } from "./env";

export interface RoomSettings {
	/** Largest client frame, in UTF-8 bytes; a larger one is `MESSAGE_TOO_LARGE`. */
	maxMessageBytes: number;
	/** Connections one room accepts, across all of its objects. */
	maxConnections: number;
	/**
	 * Connections one of a room's objects holds before the room places further ones on more
	 * objects of its own (1.3); 0 keeps every room in one object.
	 */
	shardConnections: number;
	/** Client events per second per connection (the burst is twice this). */
	rateLimit: number;
	/** Messages a room keeps. */
	historyLimit: number;
	/**
	 * The idle reaper's backstop: while a room has connections, an alarm looks for silent ones
	 * this often even when nothing else wakes the room (every event it handles looks too).
	 */
	idleSweepSeconds: number;
	/** Connections one user may hold in one room. */
	maxConnectionsPerUser: number;
	/** Bytes that may wait for one connection to read before it is closed with 4001. */
	maxBufferedBytes: number;
	/** How long a closed connection's user stays present (0: version 1, leaves at once). */
	leaveGraceSeconds: number;
	/** The window of a `batched` connection's `Presence` frames. */
	presenceBatchMs: number;
	/** Deliveries a second that the room's members together may make it send (one event to one connection is one). */
	roomDeliveryRate: number;
	/** How long the room may hold an event for a connection that asked for batched frames (0: never). */
	batchMs: number;
	/** (1.4) Undelivered room events a room keeps; past them the oldest are dropped. */
	eventsBacklog: number;
}

export const DEFAULT_SETTINGS: RoomSettings = {
	maxMessageBytes: 65_536,
	maxConnections: 10_000,
	shardConnections: 5000,
	rateLimit: 20,
	historyLimit: 1000,
	idleSweepSeconds: 300,
	maxConnectionsPerUser: 20,
	maxBufferedBytes: 1_048_576,
	leaveGraceSeconds: 10,
	presenceBatchMs: 50,
	roomDeliveryRate: 50_000,
	batchMs: 20,
	eventsBacklog: 10_000,
};

/** In reading order: SHARD_CONNECTIONS first, because MAX_CONNECTIONS's ceiling depends on it. */
const VARIABLES: Record<keyof RoomSettings, keyof Env> = {
	shardConnections: "SHARD_CONNECTIONS",
	maxMessageBytes: "MAX_MESSAGE_BYTES",
	maxConnections: "MAX_CONNECTIONS",
	rateLimit: "RATE_LIMIT",
	historyLimit: "HISTORY_LIMIT",
	idleSweepSeconds: "IDLE_SWEEP_SECONDS",
	maxConnectionsPerUser: "MAX_CONNECTIONS_PER_USER",
	maxBufferedBytes: "MAX_BUFFERED_BYTES",
	leaveGraceSeconds: "LEAVE_GRACE_SECONDS",
	presenceBatchMs: "PRESENCE_BATCH_MS",
	roomDeliveryRate: "ROOM_DELIVERY_RATE",
	batchMs: "BATCH_MS",
	eventsBacklog: "EVENTS_BACKLOG",
};

/**
 * The most connections one object holds: the runtime's limit of hibernatable sockets per object.
 * A room in one object (`SHARD_CONNECTIONS` 0) accepts at most this many.
 */
export const OBJECT_CONNECTIONS_CEILING = 32_000;

/** The most connections a room spread over objects accepts (`MAX_CONNECTIONS` with shards). */
export const ROOM_CONNECTIONS_CEILING = 1_000_000;

/**
 * Largest values the room can honour. A message is stored as one SQLite row (at most 2 MB
 * in a Durable Object), so a client frame may not be larger than 1 MiB. `MAX_CONNECTIONS`'s
 * ceiling is `maxConnectionsCeiling`'s, which depends on `SHARD_CONNECTIONS`.
 */
export const SETTING_CEILINGS: Partial<RoomSettings> = {
	maxMessageBytes: 1_048_576,
	shardConnections: OBJECT_CONNECTIONS_CEILING,
	leaveGraceSeconds: 300,
	presenceBatchMs: 1000,
	batchMs: 1000,
	/** Rows of one room's SQLite: a million events of a few hundred bytes, or fewer messages. */
	eventsBacklog: 1_000_000,
};

/**
 * Smallest values the room accepts. A backstop sweep more often than once a minute would wake
 * idle rooms about as often as the heartbeat timeout it enforces, which is what it exists to avoid.
 */
export const SETTING_FLOORS: Partial<RoomSettings> = {
	idleSweepSeconds: 60,
	/** Smaller objects would spread a room over more objects than their fan-out is worth. */
	shardConnections: 100,
	presenceBatchMs: 10,
};

/** Settings for which 0 means "off" rather than a mistake. */
const ZERO_ALLOWED: ReadonlySet<keyof RoomSettings> = new Set(["leaveGraceSeconds", "batchMs", "shardConnections"]);

/** `MAX_CONNECTIONS` up to 1,000,000 when a room may spread over objects, else one object's 32,000. */
export function maxConnectionsCeiling(shardConnections: number): number {
	return shardConnections > 0 ? ROOM_CONNECTIONS_CEILING : OBJECT_CONNECTIONS_CEILING;
}

/** Parses a positive integer setting, or undefined when it is not one. */
export function parsePositiveInt(raw: unknown): number | undefined {
	if (typeof raw === "number") return Number.isSafeInteger(raw) && raw > 0 ? raw : undefined;
	if (typeof raw !== "string" || !/^\s*\d+\s*$/.test(raw)) return undefined;
	const value = Number(raw);
	return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

export function readSettings(
	env: Partial<Record<keyof Env, unknown>>,
	warn: (text: string) => void = console.warn,
): RoomSettings {
	const settings = { ...DEFAULT_SETTINGS };
	for (const key of Object.keys(VARIABLES) as (keyof RoomSettings)[]) {
		const name = VARIABLES[key];
		const raw = env[name];
		if (raw === undefined || raw === "") continue;
		const value = ZERO_ALLOWED.has(key) && /^\s*0+\s*$/.test(String(raw)) ? 0 : parsePositiveInt(raw);
		const ceiling = key === "maxConnections" ? maxConnectionsCeiling(settings.shardConnections) : SETTING_CEILINGS[key];
		const floor = SETTING_FLOORS[key];
		if (value === undefined) {
			warn(`ignoring ${name}=${JSON.stringify(raw)}: not a positive integer; using ${settings[key]}`);
		} else if (ceiling !== undefined && value > ceiling) {
			warn(`${name}=${value} is above the largest allowed; using ${ceiling}`);
			settings[key] = ceiling;
		} else if (floor !== undefined && value !== 0 && value < floor) {
			warn(`${name}=${value} is below the smallest allowed; using ${floor}`);
			settings[key] = floor;
		} else settings[key] = value;
	}
	const forTests = parsePositiveInt(env[TEST_SHARD_CONNECTIONS as keyof Env]);
	if (forTests !== undefined) settings.shardConnections = forTests;
	return settings;
}

/**
 * Tests only: a `SHARD_CONNECTIONS` below the floor of 100, so that a test spreads a room over
 * objects with a handful of sockets. Not a variable of `Env`: no deployment sets it (wrangler.toml
 * and the pinned sets never do, test/unit/settings.test.ts holds them to it); only the
 * workerd-shards project binds it.
 */
export const TEST_SHARD_CONNECTIONS = "TEST_SHARD_CONNECTIONS";
