/** Every default of the client in one place: the value of each setting an option leaves out. */
import { HEARTBEAT } from "../protocol/constants";
import type { ClientSettings, RoomClientOptions } from "./types";

export const DEFAULT_OPTIONS: Readonly<ClientSettings> = Object.freeze({
	heartbeatIntervalMs: HEARTBEAT.intervalMs,
	// Until the server announces its own timeout in ConnectionEstablished.
	deadAfterMs: HEARTBEAT.timeoutMs,
	backoff: Object.freeze({ baseMs: 1_000, maxMs: 30_000 }),
	queueLimit: 100,
	// The room's default RATE_LIMIT: 20 events/s, bursts of 40.
	pace: Object.freeze({ perSecond: 20, burst: 40 }),
	connectTimeoutMs: 10_000,
	closeWaitMs: 2_000,
	probeGraceMs: 5_000,
	linkCheckMs: 5_000,
	rateLimitedRetryMs: 1_000,
	rateLimitedMaxRetries: 10,
	ownIdsLimit: 1_000,
});

/** The settings a client runs with: each option given, else its default; `backoff` is merged. */
export function resolveSettings(options: RoomClientOptions): ClientSettings {
	const defaults = DEFAULT_OPTIONS;
	return {
		heartbeatIntervalMs: options.heartbeatIntervalMs ?? defaults.heartbeatIntervalMs,
		deadAfterMs: options.deadAfterMs ?? defaults.deadAfterMs,
		backoff: { ...defaults.backoff, ...options.backoff },
		queueLimit: options.queueLimit ?? defaults.queueLimit,
		pace: options.pace ?? defaults.pace,
		connectTimeoutMs: options.connectTimeoutMs ?? defaults.connectTimeoutMs,
		closeWaitMs: options.closeWaitMs ?? defaults.closeWaitMs,
		probeGraceMs: options.probeGraceMs ?? defaults.probeGraceMs,
		linkCheckMs: options.linkCheckMs ?? defaults.linkCheckMs,
		rateLimitedRetryMs: options.rateLimitedRetryMs ?? defaults.rateLimitedRetryMs,
		rateLimitedMaxRetries: options.rateLimitedMaxRetries ?? defaults.rateLimitedMaxRetries,
		ownIdsLimit: options.ownIdsLimit ?? defaults.ownIdsLimit,
	};
}
