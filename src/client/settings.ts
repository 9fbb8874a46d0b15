/** The client's tunables and, in one place, every default the client has. */
import { HEARTBEAT, type PresenceMode, PresenceModes } from "../protocol/constants";
import type { BackoffOptions } from "./backoff";
import type { PaceOptions } from "./pacer";
import type { RoomClientOptions } from "./types";

/** The client's tunables; `DEFAULT_OPTIONS` holds the value of each that an option leaves out. */
export interface ClientSettings {
	/** How often to send `ping` (the protocol's heartbeat interval). */
	heartbeatIntervalMs: number;
	/** Silence after which the link counts as dead and is replaced; left out, the server's announced timeout. */
	deadAfterMs: number;
	backoff: BackoffOptions;
	/** Most sends waiting for an acknowledgement, offline ones included. */
	queueLimit: number;
	/** How this connection hears presence: "batched" frames, per-change "events", or only a "count" (large rooms). */
	presence: PresenceMode;
	/**
	 * Asks for batched frames from a room whose `ConnectionEstablished` says version 1.2 or later: a
	 * busy room then sends several events in one frame, which costs it far less per delivery, and
	 * may hold an event up to its `limits.batchMs` (20 ms by default) to do so. The client unpacks
	 * them and hands each event over as before; its `Register` waits for the room's welcome, which
	 * says the version. Turn it off when those milliseconds matter more than the room's cost, or to
	 * read one event per frame while debugging.
	 */
	batch: boolean;
	/** Client-side pacing of every client event; left out, the rate each room announces (this until it does). */
	pace: PaceOptions;
	/** Give up on a connection attempt after this long. */
	connectTimeoutMs: number;
	/** How long `close()` waits for `Unregistered` before it closes anyway. */
	closeWaitMs: number;
	/** How long a ping may go unanswered (after a silence, or a probe on page signals) before the link is dead. */
	probeGraceMs: number;
	/** How often the link is looked at, at most (never less often than the heartbeat). */
	linkCheckMs: number;
	/** How long a RATE_LIMITED send, Register, Unregister or UpdateUser waits before it goes again. */
	rateLimitedRetryMs: number;
	/** A fresh send or an update is given up after this many RATE_LIMITED; a send the room may hold never is. */
	rateLimitedMaxRetries: number;
	/** Most of our acked message ids remembered ahead of `lastSeq` (more means something else is wrong). */
	ownIdsLimit: number;
	/** A keyed signal goes at most once per this many ms (the latest value wins); `signal()`'s `throttleMs` overrides it. */
	signalThrottleMs: number;
	/** Most unkeyed signals waiting for the pace; `signal()` drops one past it. */
	signalQueueLimit: number;
}

export const DEFAULT_OPTIONS: Readonly<ClientSettings> = Object.freeze({
	heartbeatIntervalMs: HEARTBEAT.intervalMs,
	// Until the server announces its own timeout in ConnectionEstablished.
	deadAfterMs: HEARTBEAT.timeoutMs,
	backoff: Object.freeze({ baseMs: 1_000, maxMs: 30_000 }),
	queueLimit: 100,
	presence: PresenceModes.batched,
	batch: true,
	// The room's default RATE_LIMIT (20 events/s, bursts of 40), until a room announces its own.
	pace: Object.freeze({ perSecond: 20, burst: 40 }),
	connectTimeoutMs: 10_000,
	closeWaitMs: 2_000,
	probeGraceMs: 5_000,
	linkCheckMs: 5_000,
	rateLimitedRetryMs: 1_000,
	rateLimitedMaxRetries: 10,
	ownIdsLimit: 1_000,
	signalThrottleMs: 50,
	// One second of the room's default rate: older than that, a signal is stale.
	signalQueueLimit: 20,
});

/** The settings a client runs with: each option given, else its default; `backoff` is merged. */
export function resolveSettings(options: RoomClientOptions): ClientSettings {
	const defaults = DEFAULT_OPTIONS;
	return {
		heartbeatIntervalMs: options.heartbeatIntervalMs ?? defaults.heartbeatIntervalMs,
		deadAfterMs: options.deadAfterMs ?? defaults.deadAfterMs,
		backoff: { ...defaults.backoff, ...options.backoff },
		queueLimit: options.queueLimit ?? defaults.queueLimit,
		presence: options.presence ?? defaults.presence,
		batch: options.batch ?? defaults.batch,
		pace: options.pace ?? defaults.pace,
		connectTimeoutMs: options.connectTimeoutMs ?? defaults.connectTimeoutMs,
		closeWaitMs: options.closeWaitMs ?? defaults.closeWaitMs,
		probeGraceMs: options.probeGraceMs ?? defaults.probeGraceMs,
		linkCheckMs: options.linkCheckMs ?? defaults.linkCheckMs,
		rateLimitedRetryMs: options.rateLimitedRetryMs ?? defaults.rateLimitedRetryMs,
		rateLimitedMaxRetries: options.rateLimitedMaxRetries ?? defaults.rateLimitedMaxRetries,
		ownIdsLimit: options.ownIdsLimit ?? defaults.ownIdsLimit,
		signalThrottleMs: options.signalThrottleMs ?? defaults.signalThrottleMs,
		signalQueueLimit: options.signalQueueLimit ?? defaults.signalQueueLimit,
	};
}
