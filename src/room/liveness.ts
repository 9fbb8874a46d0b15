/**
 * When a connection counts as gone, and when the room looks for such connections. Pure, so the
 * reaper's arithmetic is tested without a runtime.
 *
 * The room never wakes up only to reap: it sweeps whenever it is awake anyway (a frame, a
 * connect, a close), at most once per `SWEEP_THROTTLE_MS`, and keeps one distant backstop alarm
 * (`IDLE_SWEEP_SECONDS`) for a room where nothing happens at all. Heartbeats are answered by the
 * runtime and never run the room's code, so a room of healthy, pinging clients stays asleep.
 */

/**
 * An opportunistic sweep runs at most this often (in the object's in-memory time), so a busy
 * room with many sockets does not read every socket's ping time on every frame.
 */
export const SWEEP_THROTTLE_MS = 10_000;

/** The last sign of life: a frame the object received, or a `ping` the runtime answered (if any). */
export function lastActivity(lastSeenAt: number, pingAnsweredAt: number | undefined): number {
	return Math.max(lastSeenAt, pingAnsweredAt ?? 0);
}

export function isIdle(lastActiveAt: number, now: number, timeoutMs: number): boolean {
	return now - lastActiveAt >= timeoutMs;
}

/**
 * Whether an event handled at `now` should also sweep: always on the first event of an object's
 * life (`lastSweepAt` undefined: it may have slept through many timeouts), then once the throttle
 * has passed. A clock that went backwards does not sweep again.
 */
export function sweepDue(lastSweepAt: number | undefined, now: number): boolean {
	return lastSweepAt === undefined || now - lastSweepAt >= SWEEP_THROTTLE_MS;
}
