/**
 * The idle reaper: closes connections that have been silent for the heartbeat's timeout with
 * 4000 (their users leave with reason `timeout`, after the leave grace), ghosts whose close was
 * never reported included (workerd issue 1187). It runs when the room is awake anyway, throttled,
 * and from the room's alarm; the arithmetic is in liveness.ts.
 */
import { clock } from "../clock";
import { CloseCodes, HEARTBEAT, LeaveReasons } from "../protocol";
import type { Connection } from "./connection";
import type { Hub } from "./hub";
import { isIdle, lastActivity, sweepDue } from "./liveness";

export class IdleReaper {
	readonly #ctx: DurableObjectState;
	readonly #hub: Hub;
	/** When this instance last looked for silent connections; undefined until its first sweep. */
	#lastSweepAt: number | undefined;

	constructor(ctx: DurableObjectState, hub: Hub) {
		this.#ctx = ctx;
		this.#hub = hub;
	}

	sweep(now: number): void {
		this.#lastSweepAt = now;
		for (const connection of [...this.#hub.connections()]) {
			if (!isIdle(this.#lastActiveAt(connection), now, HEARTBEAT.timeoutMs)) continue;
			this.#hub.drop(connection.socket, LeaveReasons.timeout, CloseCodes.idleTimeout, "idle timeout");
		}
	}

	/** The opportunistic sweep, on an event the room handles anyway. */
	sweepIfDue(now: number): void {
		if (sweepDue(this.#lastSweepAt, now)) this.sweep(now);
	}

	/** A frame the room received, or a ping the runtime answered (on the system clock). */
	#lastActiveAt(connection: Connection): number {
		const pinged = this.#ctx.getWebSocketAutoResponseTimestamp(connection.socket);
		return lastActivity(connection.lastSeenAt, pinged ? clock.fromSystemTime(pinged.getTime()) : undefined);
	}
}
