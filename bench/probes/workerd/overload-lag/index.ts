/**
 * The overload-signal probe's Worker (driven by bench/probes/overload-signal.ts): the project's
 * Worker and Room, the Room subclassed to record, in rooms named `probe-*`, what the object can
 * see of its own backlog:
 *
 * - timer lag: a `setTimeout(tick, TICK_MS)` chain; each tick records how much later than due it
 *   ran (`Date.now()` at the tick minus `Date.now()` when it was set minus TICK_MS). Both reads
 *   are at the start of an event, where the deployed runtime's clock has advanced too.
 * - the outgoing backlog: `bufferedAmount` of every socket at each tick (largest, and the total).
 * - events handled since the last tick, and the time spent in their handlers (`performance.now()`
 *   around the synchronous part: this advances only in local workerd, a diagnostic here).
 * - overdue: at the start of every event, how long ago the pending tick was due (0 if not yet):
 *   the same timer read at every event instead of only when the tick at last runs.
 * - input delay: a `SendMessage` whose message is `{"k":K,"t":T}` (T: the client's `Date.now()`
 *   at send; one machine, one clock) is seen at `Date.now() - T` after it was sent.
 *
 * In a room named `probe-gN-*` a guard is emulated at the entry: a `Signal` or `UpdateUser` that
 * arrives while the tick is more than N ms overdue is answered `RATE_LIMITED` and goes no further.
 * `GET /probe/:room/stats` returns the records; `GET /probe/:room/stop` ends the timer chain.
 */
import type { Env } from "../../../../src/env";
import { ErrorCodes, encodeError } from "../../../../src/protocol";
import { trySend } from "../../../../src/room/fan-out";
import { Room as ProjectRoom } from "../../../../src/room/room";
import { app } from "../../../../src/worker/app";

const TICK_MS = 20;
/** The timer chain stops by itself after this long, so that a forgotten room hibernates. */
const CHAIN_MS = 15 * 60_000;
const MAX_RECORDS = 100_000;
/** An event that finds the tick more than this overdue, after one that did not, is recorded as a crossing. */
const CROSSING_MS = 50;

export default {
	fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
		const match = /^\/probe\/([^/]+)\/(stats|stop)$/.exec(new URL(request.url).pathname);
		if (match?.[1]) return env.ROOMS.get(env.ROOMS.idFromName(match[1])).fetch(request);
		return app.fetch(request, env, ctx);
	},
};

/** [at, lag ms, events since the last tick, handler ms since, largest bufferedAmount, total, largest overdue since, refused since]. */
type Tick = [number, number, number, number, number, number, number, number];

export class Room extends ProjectRoom {
	readonly #probed: boolean;
	/** The emulated guard's threshold (ms overdue), or undefined: no guard. */
	readonly #guardMs: number | undefined;
	readonly #ticks: Tick[] = [];
	/** [arrived at, sent at, key, overdue]: the markers as the object saw them arrive. */
	readonly #markers: [number, number, number, number][] = [];
	/** When an event first found the tick more than CROSSING_MS overdue. */
	readonly #crossings: number[] = [];
	#behind = false;
	#timer: ReturnType<typeof setTimeout> | undefined;
	#dueAt = Number.POSITIVE_INFINITY;
	#chainEnds = 0;
	#events = 0;
	#handlerMs = 0;
	#overdue = 0;
	#refused = 0;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#probed = ctx.id.name?.startsWith("probe-") === true;
		const guard = /^probe-g(\d+)-/.exec(ctx.id.name ?? "")?.[1];
		this.#guardMs = guard === undefined ? undefined : Number(guard);
	}

	override async fetch(request: Request): Promise<Response> {
		const path = new URL(request.url).pathname;
		if (!path.startsWith("/probe/")) {
			this.#startChain();
			return super.fetch(request);
		}
		if (path.endsWith("/stop")) {
			if (this.#timer !== undefined) clearTimeout(this.#timer);
			this.#timer = undefined;
			return new Response("stopped");
		}
		return Response.json({ ticks: this.#ticks, markers: this.#markers, crossings: this.#crossings });
	}

	override webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
		if (!this.#probed) return super.webSocketMessage(ws, data);
		const arrived = Date.now();
		const overdue = Math.max(0, arrived - this.#dueAt);
		this.#overdue = Math.max(this.#overdue, overdue);
		if (overdue > CROSSING_MS && !this.#behind && this.#crossings.length < MAX_RECORDS) this.#crossings.push(arrived);
		this.#behind = overdue > CROSSING_MS;
		if (typeof data === "string" && data.includes('"event":"SendMessage"')) {
			const marker = /"k":(\d+),"t":(\d+)/.exec(data);
			if (marker && this.#markers.length < MAX_RECORDS) {
				this.#markers.push([arrived, Number(marker[2]), Number(marker[1]), overdue]);
			}
		} else if (
			this.#guardMs !== undefined &&
			overdue > this.#guardMs &&
			typeof data === "string" &&
			(data.includes('"event":"Signal"') || data.includes('"event":"UpdateUser"'))
		) {
			this.#refused++;
			this.#events++;
			trySend(ws, encodeError(ErrorCodes.RATE_LIMITED, "the room is behind; this event was dropped"));
			return Promise.resolve();
		}
		this.#startChain();
		const started = performance.now();
		const done = super.webSocketMessage(ws, data);
		this.#handlerMs += performance.now() - started;
		this.#events++;
		return done;
	}

	#startChain(): void {
		if (!this.#probed || this.#timer !== undefined) return;
		this.#chainEnds = Date.now() + CHAIN_MS;
		this.#arm();
	}

	#arm(): void {
		const setAt = Date.now();
		this.#dueAt = setAt + TICK_MS;
		this.#timer = setTimeout(() => {
			const now = Date.now();
			this.#dueAt = Number.POSITIVE_INFINITY;
			let largest = 0;
			let total = 0;
			for (const ws of this.ctx.getWebSockets()) {
				const buffered = (ws as { bufferedAmount?: unknown }).bufferedAmount;
				if (typeof buffered !== "number") continue;
				largest = Math.max(largest, buffered);
				total += buffered;
			}
			if (this.#ticks.length < MAX_RECORDS) {
				const lag = now - setAt - TICK_MS;
				const overdue = Math.max(this.#overdue, lag);
				this.#ticks.push([now, lag, this.#events, this.#handlerMs, largest, total, overdue, this.#refused]);
			}
			this.#events = 0;
			this.#handlerMs = 0;
			this.#overdue = 0;
			this.#refused = 0;
			if (now < this.#chainEnds) this.#arm();
			else this.#timer = undefined;
		}, TICK_MS);
	}
}
