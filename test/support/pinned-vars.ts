/**
 * The Worker variables each test setup pins, and the test secrets, defined once. vitest.config.ts
 * binds them into the workerd projects; test/e2e/global-setup.ts passes them to `wrangler dev`.
 * Every set names every variable the Worker reads (test/unit/pinned-vars.test.ts holds it to
 * src/env.ts), so what a developer's .dev.vars, .env or shell holds never reaches a test.
 */

/** The room-token secret of the secured setups. */
export const TEST_AUTH_SECRET = "test-secret-do-not-use-in-production-0123456789";
/** The server publish key of the secured setups. */
export const TEST_PUBLISH_KEY = "test-publish-key-0123456789abcdef";
/** The browser origin the secured setups allow. */
export const TEST_ALLOWED_ORIGIN = "https://app.example";

/** Every variable the Worker reads: the string fields of `Env` in src/env.ts. */
export const WORKER_VARIABLES = [
	"MAX_MESSAGE_BYTES",
	"MAX_CONNECTIONS",
	"SHARD_CONNECTIONS",
	"RATE_LIMIT",
	"HISTORY_LIMIT",
	"IDLE_SWEEP_SECONDS",
	"MAX_CONNECTIONS_PER_USER",
	"MAX_BUFFERED_BYTES",
	"LEAVE_GRACE_SECONDS",
	"PRESENCE_BATCH_MS",
	"ROOM_DELIVERY_RATE",
	"BATCH_MS",
	"AUTH_SECRET",
	"ALLOWED_ORIGINS",
	"PUBLISH_KEY",
	"WEBHOOK_URL",
	"WEBHOOK_SECRET",
	"EVENTS_MESSAGES",
	"EVENTS_BACKLOG",
] as const;

export type WorkerVariable = (typeof WORKER_VARIABLES)[number];
export type WorkerVars = Readonly<Record<WorkerVariable, string>>;

/**
 * Development mode at the protocol's defaults: every access check off (an empty value is unset
 * for the Worker) and every limit as wrangler.toml ships it.
 */
export const DEVELOPMENT_VARS: WorkerVars = {
	MAX_MESSAGE_BYTES: "65536",
	MAX_CONNECTIONS: "10000",
	SHARD_CONNECTIONS: "5000",
	RATE_LIMIT: "20",
	HISTORY_LIMIT: "1000",
	IDLE_SWEEP_SECONDS: "300",
	MAX_CONNECTIONS_PER_USER: "20",
	MAX_BUFFERED_BYTES: "1048576",
	LEAVE_GRACE_SECONDS: "10",
	PRESENCE_BATCH_MS: "50",
	ROOM_DELIVERY_RATE: "50000",
	BATCH_MS: "20",
	AUTH_SECRET: "",
	ALLOWED_ORIGINS: "",
	PUBLISH_KEY: "",
	WEBHOOK_URL: "",
	WEBHOOK_SECRET: "",
	EVENTS_MESSAGES: "false",
	EVENTS_BACKLOG: "10000",
};

/**
 * The workerd project: a history small enough that tests can fill it (still above the 100 a
 * resume returns), no rate limit in the way of tests that send fast (workerd-limits covers both),
 * and no leave grace: its tests hold the room to version 1's presence, which grace 0 gives exactly.
 */
export const WORKERD_VARS: WorkerVars = {
	...DEVELOPMENT_VARS,
	HISTORY_LIMIT: "120",
	RATE_LIMIT: "1000000",
	LEAVE_GRACE_SECONDS: "0",
};

/** The workerd-presence project: presence 1.1 at its defaults (leave grace 10 s, 50 ms windows). */
export const WORKERD_PRESENCE_VARS: WorkerVars = { ...DEVELOPMENT_VARS, RATE_LIMIT: "1000000" };

/** The workerd-limits project: every access control on, and limits small enough to reach. */
export const WORKERD_LIMITS_VARS: WorkerVars = {
	...DEVELOPMENT_VARS,
	AUTH_SECRET: TEST_AUTH_SECRET,
	PUBLISH_KEY: TEST_PUBLISH_KEY,
	ALLOWED_ORIGINS: `${TEST_ALLOWED_ORIGIN}, http://localhost:8787`,
	MAX_CONNECTIONS: "3",
	MAX_CONNECTIONS_PER_USER: "2",
	MAX_MESSAGE_BYTES: "4096",
	IDLE_SWEEP_SECONDS: "90",
	LEAVE_GRACE_SECONDS: "0",
};

/**
 * The workerd-load project: the room's own bounds within reach. A room of 5 connections whose
 * members may make it deliver 40 events a second (a broadcast costs 4), with leave grace on, so
 * that closed connections hold their places.
 */
export const WORKERD_LOAD_VARS: WorkerVars = {
	...DEVELOPMENT_VARS,
	RATE_LIMIT: "1000000",
	MAX_CONNECTIONS: "5",
	ROOM_DELIVERY_RATE: "40",
};

/**
 * The workerd-batch project: batched frames held for a whole second, so that a test sees what is
 * held and moves the clock to end the hold; 128 KiB may wait for a reader, and a client frame may
 * be larger than the 64 KiB a batch then holds; no rate limit, no grace.
 */
export const WORKERD_BATCH_VARS: WorkerVars = {
	...DEVELOPMENT_VARS,
	RATE_LIMIT: "1000000",
	LEAVE_GRACE_SECONDS: "0",
	BATCH_MS: "1000",
	MAX_BUFFERED_BYTES: "131072",
	MAX_MESSAGE_BYTES: "131072",
};

/**
 * The workerd-hooks project (the rooms library in a Worker of its own): tokens and the publish key
 * on (an `authorize` that answers nothing falls back to tokens), leave grace at its default, no
 * rate limit, and a frame limit small enough to reach.
 */
export const WORKERD_HOOKS_VARS: WorkerVars = {
	...DEVELOPMENT_VARS,
	AUTH_SECRET: TEST_AUTH_SECRET,
	PUBLISH_KEY: TEST_PUBLISH_KEY,
	RATE_LIMIT: "1000000",
	MAX_MESSAGE_BYTES: "4096",
};

/**
 * The workerd-shards project (1.3): a room spreads over objects of 2 connections each (through the
 * test-only `TEST_SHARD_CONNECTIONS`, which `WORKERD_SHARDS_TEST_BINDINGS` adds: below the floor of
 * 100 that `SHARD_CONNECTIONS` holds every deployment to), at most 5 connections, leave grace on.
 */
export const WORKERD_SHARDS_VARS: WorkerVars = {
	...DEVELOPMENT_VARS,
	RATE_LIMIT: "1000000",
	MAX_CONNECTIONS: "5",
	SHARD_CONNECTIONS: "100",
};

/** (1.4) The webhook secret of the room events setups, as Standard Webhooks write one (`whsec_` + base64). */
export const TEST_WEBHOOK_SECRET = "whsec_ZWRnZS1yb29tcyB0ZXN0IHdlYmhvb2sgc2VjcmV0";

/**
 * The workerd-events project (1.4): room events to a webhook (a receiver in the test process, see
 * test/workerd-events/webhook-receiver.ts) and to a Queue, messages included, a backlog bound small
 * enough to reach, leave grace on.
 */
export const WORKERD_EVENTS_VARS: WorkerVars = {
	...DEVELOPMENT_VARS,
	RATE_LIMIT: "1000000",
	MAX_CONNECTIONS: "5",
	WEBHOOK_URL: "http://webhook.test/hook",
	WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
	EVENTS_MESSAGES: "true",
	EVENTS_BACKLOG: "20",
};

/**
 * The workerd-events-shards project: the same tests, in rooms over objects of 2 connections (with
 * `WORKERD_SHARDS_TEST_BINDINGS`), and without `message.created`: each test expects the events of
 * one object.
 */
export const WORKERD_EVENTS_SHARDS_VARS: WorkerVars = {
	...WORKERD_EVENTS_VARS,
	SHARD_CONNECTIONS: "100",
	EVENTS_MESSAGES: "false",
};

/** What the workerd-shards project binds besides the Worker's variables. */
export const WORKERD_SHARDS_TEST_BINDINGS = { TEST_SHARD_CONNECTIONS: "2" } as const;

/**
 * The e2e project's development-mode `wrangler dev`: the defaults, with a leave grace of 4 s so
 * that a close is seen as a leave well within the tests' 10 s waits, while a page reloading on a
 * loaded CI machine still comes back inside it. The grace itself is tested at its default inside
 * workerd (workerd-presence) and across a real restart (restart.e2e.test.ts).
 */
export const E2E_DEVELOPMENT_VARS: WorkerVars = { ...DEVELOPMENT_VARS, LEAVE_GRACE_SECONDS: "4" };

/** The e2e project's secured `wrangler dev`: tokens, origins, publish key, and a room that fills at 3. */
export const E2E_SECURED_VARS: WorkerVars = {
	...DEVELOPMENT_VARS,
	AUTH_SECRET: TEST_AUTH_SECRET,
	ALLOWED_ORIGINS: TEST_ALLOWED_ORIGIN,
	PUBLISH_KEY: TEST_PUBLISH_KEY,
	MAX_CONNECTIONS: "3",
};

/** The Worker's variables as an environment holds them (unset ones left out), to compare with a pinned set. */
export function workerVariablesOf(env: object): Partial<Record<WorkerVariable, unknown>> {
	const found: Partial<Record<WorkerVariable, unknown>> = {};
	for (const name of WORKER_VARIABLES) {
		if (name in env) found[name] = (env as Record<string, unknown>)[name];
	}
	return found;
}
