/**
 * Connecting and registering N sockets in one new room, timed, with the server's memory growth;
 * and scenario (a) in the presence modes of docs/PROTOCOL.md 1.1, in a fresh server process:
 * N sockets registered `batched` (each `Registered` carries the roster, and joins reach the others
 * as one `Presence` frame per window; their memory is (e)'s batched figure), then, in a new room,
 * N' sockets registered `count` (no roster at all: `Occupancy` counts once a second). bare
 * connects the same numbers: its open is its registration, so its time is the connections' own.
 * Whenever ours joins, the `row` floor (servers/floor: the round trip and one SQLite row in the
 * `Register`'s turn, nothing else; what any implementation of the contract must do) joins the same
 * N' in ours' count turns: `countJoinVsFloor`. The servers take turns: ours' batched join, bare's,
 * ours' count join, the floor's, bare's, `joinRepeats` times in new rooms of the same processes
 * (`runJoinRound`). Every join starts and ends with a settled memory reading (settle.ts): the
 * server collects its garbage, then its RSS is read until it stops moving.
 */
import { performance } from "node:perf_hooks";
import type { PresenceMode } from "../../scripts/resuming-client/server-frames.ts";
import { type RunningServer, sleep } from "../servers/launch.ts";
import { type Conn, closeAll, openMany, type Sink, type Target } from "./clients.ts";
import type { RoundContext } from "./core-round.ts";
import { FLOOR, FLOOR_ROOM_PREFIX, joinRoundServers } from "./join-floor.ts";
import type { Settings } from "./settings.ts";
import { type SettledMemory, settledMemory } from "./settle.ts";

export interface RegisterResult {
	n: number;
	ms: number;
	perSecond: number;
	/**
	 * Resident memory growth of the server per registered socket (bytes): 1 s after the last
	 * `Registered`, or, with `settle`, from one settled reading before the join to one after.
	 */
	bytesPerSocket: number;
	/** With `settle`: both readings (whether the server collected its garbage, whether the RSS settled). */
	memory?: { before: SettledMemory; after: SettledMemory };
}

/** How long after the last `Registered` the server's memory is read without `settle` (late frames, buffers settling). */
const SETTLE_MS = 1000;

/**
 * Opens and registers `n` sockets in `room` and measures it; the sockets stay open. With
 * `settle`, the memory is read settled before and after (settle.ts), outside the timed join.
 */
export async function timedRegister(
	server: RunningServer,
	target: Target,
	room: string,
	options: { n: number; settings: Settings; presence?: PresenceMode; settle?: boolean },
	sink: Sink,
): Promise<{ conns: Conn[]; result: RegisterResult }> {
	const { n, settings, presence, settle } = options;
	const before = settle ? await settledMemory(server) : undefined;
	const rssBefore = before ? before.rssBytes : server.rssBytes();
	const start = performance.now();
	const conns = await openMany(
		target,
		room,
		{
			firstIndex: 0,
			count: n,
			concurrency: settings.connectConcurrency,
			heartbeatMs: settings.heartbeatSeconds * 1000,
			presence,
		},
		sink,
	);
	const ms = performance.now() - start;
	let after: SettledMemory | undefined;
	if (before) after = await settledMemory(server);
	else await sleep(SETTLE_MS);
	const bytesPerSocket = ((after ? after.rssBytes : server.rssBytes()) - rssBefore) / n;
	const result: RegisterResult = { n, ms, perSecond: (n / ms) * 1000, bytesPerSocket };
	if (before && after) result.memory = { before, after };
	return { conns, result };
}

export interface JoinModesResult {
	/** A server of `--servers`, or `floor` (ours' companion: count joins only, `batched` stays null). */
	server: string;
	round: number;
	/** The first join of each mode, in the fresh process: its time, and the memory figures. */
	batched: RegisterResult | null;
	count: RegisterResult | null;
	/** The time (ms) of every join of each mode, the first included; null for one that failed. */
	repeatsMs: { batched: (number | null)[]; count: (number | null)[] };
	errors: string[];
}

/** Counts errors; these sockets receive no messages. */
class ErrorSink implements Sink {
	readonly errors: string[] = [];
	delivery(): void {}
	error(_receiver: number, text: string): void {
		if (this.errors.length < 20) this.errors.push(text);
	}
}

/**
 * One round of the presence-mode joins, in turns: every server of `names` (and the floor, when
 * ours is there: `joinRoundServers`) is started fresh, then the `batched` joins run one server
 * after the other, then the `count` joins (in a new room of the same process), so that the joins
 * a ratio compares run seconds apart, in processes that have done the same before. The floor
 * joins in the count turns only. Each server's result is pushed to `results` first, so a failure
 * keeps what was measured.
 */
export async function runJoinRound(names: string[], context: RoundContext, results: JoinModesResult[]): Promise<void> {
	const { settings, round, log, failed } = context;
	const up: { server: RunningServer; target: Target; result: JoinModesResult; sink: ErrorSink }[] = [];
	try {
		for (const name of joinRoundServers(names)) {
			try {
				const { server, target } = await context.start(name);
				const sink = new ErrorSink();
				const result: JoinModesResult = {
					server: name,
					round,
					batched: null,
					count: null,
					repeatsMs: { batched: [], count: [] },
					errors: sink.errors,
				};
				results.push(result);
				up.push({ server, target, result, sink });
			} catch (error) {
				failed(`${name} start (presence-mode joins)`, error);
			}
		}
		const modes: { mode: "batched" | "count"; n: number; repeat: number }[] = [];
		for (let repeat = 0; repeat < settings.joinRepeats; repeat++) {
			modes.push({ mode: "batched", n: settings.batchedJoinSockets, repeat });
			modes.push({ mode: "count", n: settings.countJoinSockets, repeat });
		}
		for (const { mode, n, repeat } of modes) {
			for (const entry of up) {
				const { server, target, result, sink } = entry;
				const floor = server.name === FLOOR;
				if (floor && mode !== "count") continue;
				const label = `${server.name} (a) ${n} ${floor ? "row floor" : mode}`;
				const begun = performance.now();
				try {
					const room = `${floor ? FLOOR_ROOM_PREFIX : ""}join-${mode}-${round}-${n}-${repeat}`;
					const { conns, result: run } = await timedRegister(
						server,
						target,
						room,
						{ n, settings, presence: mode, settle: true },
						sink,
					);
					if (repeat === 0) result[mode] = run;
					result.repeatsMs[mode][repeat] = run.ms;
					const { before, after } = run.memory ?? {};
					const reading =
						before && after
							? ` (settled${after.collected ? " after a collection" : ", nothing collected"}${before.settled && after.settled ? "" : ", NOT settled within the cap"})`
							: "";
					log(
						`  ${server.name} (a) ${n} registered ${floor ? "on the row floor" : mode} in ${run.ms.toFixed(0)} ms; +${(run.bytesPerSocket / 1024).toFixed(1)} KiB RSS per socket${reading}`,
					);
					await closeAll(conns);
				} catch (error) {
					result.repeatsMs[mode][repeat] = null;
					failed(label, error, server);
				} finally {
					log(`  ${label} done in ${((performance.now() - begun) / 1000).toFixed(1)} s`);
				}
				await sleep(500);
			}
		}
	} finally {
		await Promise.all(up.map(({ server }) => server.stop()));
	}
}
