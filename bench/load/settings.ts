/**
 * Every setting of the benchmark's scenarios, full and quick (bench/README.md has them as a
 * table). Scenarios (a)-(e) run in scenarios.ts, (a) in presence modes in join-modes.ts, (d) in
 * idle.ts, (f) in restart.ts, (j) in overload.ts, (i) in mqtt.ts.
 */

/**
 * (h): a room of `sockets` spread over `objects` objects, its fixed steps at `fixedRate` messages a
 * second, its saturated steps with `windowMessages` messages outstanding (times the receivers, in
 * deliveries: a few seconds of work at most, which the step's wait for its last deliveries covers).
 */
export interface ShardedSize {
	sockets: number;
	objects: number;
	fixedRate: number;
	windowMessages: number;
}

export interface Settings {
	mode: "quick" | "full";
	rounds: number;
	/** (a) sockets registered in one room, one run each. */
	registerCounts: number[];
	/** Handshakes in flight at once while connecting. */
	connectConcurrency: number;
	/**
	 * (b) messages per second from the one sender, seconds of sending per slice, and slices
	 * (receivers: the last (a) run's sockets). Each slice takes its turn with the other servers'
	 * slices; the p99 is over every delivery of a server's slices together.
	 */
	fanoutRate: number;
	fanoutSeconds: number;
	fanoutSlices: number;
	/**
	 * (c) and (g) senders (receivers: the last (a) run's sockets, and the other senders). `samples`
	 * times: a step at a fixed total rate (messages per second), under every server's limit, for
	 * CPU per delivery and p99 at the same load; then a step with `saturationWindow` deliveries
	 * outstanding, whose delivered rate is the throughput. `fixedSteps` fixed steps and `samples`
	 * saturated ones, each lasting `stepSeconds`; the saturated ones spread evenly among the fixed.
	 */
	throughputSenders: number;
	/**
	 * Fixed steps run first and not counted: the first steps of (c) pay one-off costs. Over 18
	 * rounds, ours' first fixed step cost 15 % more CPU per delivery than its others, and bare's
	 * second 25 % more (bench/README.md, _The scenarios_, (c)).
	 */
	warmUpSteps: number;
	fixedRate: number;
	saturationWindow: number;
	samples: number;
	fixedSteps: number;
	stepSeconds: number;
	/** How long to wait for the last deliveries of a step before counting the rest as lost. */
	drainTimeoutMs: number;
	/**
	 * (a)-(c): every socket sends `ping` this often, as the protocol asks of clients (without it a
	 * room rightly closes sockets silent for 60 s, and a full run's receivers are silent longer).
	 */
	heartbeatSeconds: number;
	/** (d) sockets, seconds of idling, seconds between each socket's pings, servers that run it. */
	idleSockets: number;
	idleSeconds: number;
	pingEverySeconds: number;
	idleServers: string[];
	/**
	 * (a) in presence modes (docs/PROTOCOL.md 1.1), each in a fresh server process: sockets
	 * registered `batched` (their memory is (e)'s batched figure), then in a new room `count`.
	 * bare connects the same numbers (its open is its registration).
	 */
	batchedJoinSockets: number;
	countJoinSockets: number;
	/**
	 * Joins of each mode per round, each in a new room of the same processes, in turns: one join of
	 * a thousand sockets moved by up to 30 % between rounds, its ratio to bare's by up to 20 %.
	 */
	joinRepeats: number;
	joinModeServers: string[];
	/** (f) clients registered `batched` through a crash and restart (ours only), and the bound of each wait. */
	restartClients: number;
	restartTimeoutMs: number;
	/**
	 * (f) the clients' reconnect delays: the client library's full jitter (src/client/backoff.ts)
	 * and its first ceiling, 1 s, but a last ceiling of half the leave grace (10 s) instead of the
	 * library's default 30 s, with which clients come back after the grace by the draw alone.
	 */
	restartBackoff: { baseMs: number; maxMs: number };
	/**
	 * (j) overload, each load in a fresh server process: `overloadMembers` members send for
	 * `overloadSeconds`, each just under its own rate limit (20/s): `Signal`s at `floodSignalRate`,
	 * then, in a new process, `UpdateUser`s at `floodUpdateRate`. One more socket sends a message
	 * every `overloadMessageEveryMs` from `overloadWarmUpSeconds` on (once the flood has filled the
	 * room); its deliveries not there `overloadDrainMs` after the flood ends are lost.
	 */
	overloadMembers: number;
	overloadSeconds: number;
	overloadWarmUpSeconds: number;
	floodSignalRate: number;
	floodUpdateRate: number;
	overloadMessageEveryMs: number;
	overloadDrainMs: number;
	overloadServers: string[];
	/**
	 * Batched frames (1.2, load/batched.ts). Ours also opens a room like (b)'s, every socket
	 * registered `"batch": true`: (b) runs there too, `batchedFanoutSlices` slices in turn with
	 * (b)'s; then (c) and (g) saturated steps, `wideSamples` each after `batchedWarmUpSteps` not
	 * counted, with `wideWindowMessages` messages outstanding (times the receivers, in deliveries)
	 * instead of `saturationWindow`, so that a batch can fill; the `wideServers` run the same steps
	 * in their (c) room, unbatched. Every server opens a busy room of `busyReceivers` receivers and
	 * the senders, and runs `busySteps` fixed steps of `busyRate` messages a second (below bare's
	 * saturation; several messages a receiver per `BATCH_MS`); ours twice, unbatched and batched.
	 */
	batchedFanoutSlices: number;
	wideWindowMessages: number;
	wideSamples: number;
	wideServers: string[];
	busyReceivers: number;
	busyRate: number;
	busySteps: number;
	batchedWarmUpSteps: number;
	/**
	 * (h) a sharded room (load/sharded.ts), for each of `shardedSizes`: `sockets` registered `count`
	 * over `objects` objects (`TEST_SHARD_CONNECTIONS` = sockets / objects), against the same sockets
	 * in one object (`SHARD_CONNECTIONS` 0), steps in turn. One sender on each object sends: fixed
	 * steps of `fixedRate` messages a second in all (a few thousand deliveries a second, under
	 * either layout's limit, for CPU per delivery and p99), saturated steps with
	 * `windowMessages` messages outstanding; the warm-up,
	 * step counts and lengths are (c)'s.
	 */
	shardedSizes: ShardedSize[];
	/** (h) seconds of each room open and quiet before its steps: each process's idle CPU. */
	shardedIdleSeconds: number;
	/** (h) wait for a step's last deliveries (then: lost): a saturated window takes seconds to drain on a loaded machine. */
	shardedDrainMs: number;
	/**
	 * The events scenario (load/events.ts): (c)'s room of `eventsSockets` receivers and (c)'s
	 * senders, and (c)'s steps, on ours with events off, with every event type and without
	 * `message.created`, in turn.
	 */
	eventsSockets: number;
	/**
	 * (i) MQTT fan-out (load/mqtt.ts): `mqttSubscribers` sessions, (c)'s number of publishers;
	 * `mqttWarmUpSteps` saturated steps not counted, then `mqttSamples` counted, of (c)'s length,
	 * at QoS 0 and again at QoS 1, every room's in turn.
	 */
	mqttSubscribers: number;
	mqttWarmUpSteps: number;
	mqttSamples: number;
	/** (i) idle (load/mqtt-idle.ts): sessions, each keep alive (s) in a window of its own, the window (s). */
	mqttIdleSessions: number;
	mqttIdleKeepAlives: number[];
	mqttIdleSeconds: number;
}

export const FULL: Settings = {
	mode: "full",
	rounds: 3,
	registerCounts: [100, 1000],
	connectConcurrency: 50,
	fanoutRate: 5,
	fanoutSeconds: 10,
	fanoutSlices: 4,
	throughputSenders: 10,
	warmUpSteps: 2,
	fixedRate: 4,
	saturationWindow: 3000,
	samples: 3,
	fixedSteps: 3,
	stepSeconds: 3,
	drainTimeoutMs: 5000,
	heartbeatSeconds: 20,
	idleSockets: 1000,
	idleSeconds: 60,
	pingEverySeconds: 20,
	idleServers: ["ours", "bare", "partyserver"],
	batchedJoinSockets: 1000,
	countJoinSockets: 5000,
	joinRepeats: 1,
	joinModeServers: ["ours", "bare"],
	restartClients: 1000,
	restartTimeoutMs: 120_000,
	restartBackoff: { baseMs: 1_000, maxMs: 5_000 },
	overloadMembers: 1000,
	overloadSeconds: 10,
	overloadWarmUpSeconds: 1,
	floodSignalRate: 19,
	floodUpdateRate: 15,
	overloadMessageEveryMs: 100,
	overloadDrainMs: 10_000,
	overloadServers: ["ours", "partyserver", "node-ws"],
	batchedFanoutSlices: 4,
	wideWindowMessages: 64,
	wideSamples: 3,
	wideServers: ["ours", "node-ws"],
	busyReceivers: 50,
	busyRate: 250,
	busySteps: 3,
	batchedWarmUpSteps: 1,
	shardedSizes: [
		{ sockets: 1000, objects: 4, fixedRate: 5, windowMessages: 32 },
		{ sockets: 10_000, objects: 5, fixedRate: 1, windowMessages: 4 },
	],
	shardedIdleSeconds: 3,
	shardedDrainMs: 15_000,
	eventsSockets: 1000,
	mqttSubscribers: 1000,
	mqttWarmUpSteps: 1,
	mqttSamples: 3,
	mqttIdleSessions: 200,
	mqttIdleKeepAlives: [5, 30],
	mqttIdleSeconds: 60,
};

export const QUICK: Settings = {
	...FULL,
	mode: "quick",
	rounds: 1,
	registerCounts: [100, 200],
	fanoutRate: 20,
	fanoutSeconds: 1,
	fanoutSlices: 10,
	fixedRate: 20,
	samples: 4,
	fixedSteps: 6,
	stepSeconds: 1,
	drainTimeoutMs: 1500,
	idleSockets: 100,
	idleSeconds: 6,
	pingEverySeconds: 3,
	idleServers: ["ours", "bare"],
	batchedJoinSockets: 200,
	countJoinSockets: 1000,
	joinRepeats: 3,
	restartClients: 200,
	restartTimeoutMs: 60_000,
	overloadMembers: 100,
	overloadSeconds: 6,
	overloadDrainMs: 5_000,
	batchedFanoutSlices: 10,
	wideSamples: 4,
	busySteps: 4,
	shardedSizes: [{ sockets: 1000, objects: 4, fixedRate: 5, windowMessages: 32 }],
	eventsSockets: 200,
	mqttSubscribers: 200,
	mqttSamples: 4,
	mqttIdleSessions: 100,
	mqttIdleKeepAlives: [2],
	mqttIdleSeconds: 10,
};

/**
 * CI's smoke test (`--smoke`): quick, with every kind of step and join once or twice, so that every
 * scenario and code path runs in less time. Its numbers are not compared with anything.
 */
export const SMOKE: Settings = {
	...QUICK,
	warmUpSteps: 1,
	fixedSteps: 2,
	samples: 2,
	joinRepeats: 1,
	overloadMembers: 20,
	overloadSeconds: 3,
	overloadDrainMs: 2_000,
	batchedFanoutSlices: 2,
	wideSamples: 1,
	busySteps: 1,
	batchedWarmUpSteps: 0,
	shardedSizes: [{ sockets: 40, objects: 4, fixedRate: 20, windowMessages: 32 }],
	eventsSockets: 40,
	mqttSubscribers: 10,
	mqttWarmUpSteps: 0,
	mqttSamples: 1,
	mqttIdleSessions: 10,
	mqttIdleKeepAlives: [1],
	mqttIdleSeconds: 1,
};
