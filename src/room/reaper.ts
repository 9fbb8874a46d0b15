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
import { mqttTimeoutMs } from "./mqtt/record";

export class IdleReaper {
	readonly #ctx: DurableObjectState;
	readonly #hub: Hub;
	/** When this instance last looked for silent connections; undefined until its first sweep. */
	#lastSweepAt: number | undefined;
	#mqttDeadline: number | undefined;

	constructor(ctx: DurableObjectState, hub: Hub) {
		this.#ctx = ctx;
		this.#hub = hub;
	}

	sweep(now: number): void {
		this.#lastSweepAt = now;
		this.#mqttDeadline = undefined;
		for (const connection of [...this.#hub.connections()]) {
			const timeoutMs = connection.mqtt ? mqttTimeoutMs(connection.mqtt) : HEARTBEAT.timeoutMs;
			const lastActiveAt = this.#lastActiveAt(connection);
			if (!isIdle(lastActiveAt, now, timeoutMs)) {
				if (connection.mqtt) this.noteMqttDeadline(lastActiveAt + timeoutMs);
				continue;
			}
			this.#hub.drop(connection.socket, LeaveReasons.timeout, CloseCodes.idleTimeout, "idle timeout");
		}
	}

	/**
	 * (1.5) When the earliest MQTT session may time out (as of the last sweep, or sooner): the alarm
	 * wakes a quiet room for it, since a keep alive is shorter than the backstop and no ping the
	 * runtime answers keeps an MQTT session alive.
	 */
	get mqttDeadline(): number | undefined {
		return this.#mqttDeadline;
	}

	/** (1.5) An MQTT session's deadline, known before the next sweep (a new session). */
	noteMqttDeadline(at: number): void {
		if (this.#mqttDeadline === undefined || at < this.#mqttDeadline) this.#mqttDeadline = at;
	}

	/** The opportunistic sweep, on an event the room handles anyway. */
	sweepIfDue(now: number): boolean {
		if (!sweepDue(this.#lastSweepAt, now)) return false;
		this.sweep(now);
		return true;
	}

	/** A frame the room received, or a ping the runtime answered (on the system clock). */
	#lastActiveAt(connection: Connection): number {
		const pinged = this.#ctx.getWebSocketAutoResponseTimestamp(connection.socket);
		return lastActivity(connection.lastSeenAt, pinged ? clock.fromSystemTime(pinged.getTime()) : undefined);
	}
}
