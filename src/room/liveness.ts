/**
 * When a connection counts as gone, and when the room should look again. Pure, so the
 * reaper's arithmetic is tested without a runtime.
 */

/** The idle reaper never runs more often than this, so a quiet room can hibernate in between. */
export const MIN_CHECK_INTERVAL_MS = 30_000;

/** The last sign of life: a frame the object received, or a `ping` the runtime answered. */
export function lastActivity(lastSeenAt: number, autoResponseAt: Date | null): number {
	const pingAt = autoResponseAt ? autoResponseAt.getTime() : 0;
	return Math.max(lastSeenAt, pingAt);
}

export function isIdle(lastActiveAt: number, now: number, timeoutMs: number): boolean {
	return now - lastActiveAt >= timeoutMs;
}

/**
 * The next time to check: when the first remaining connection could expire, but never
 * sooner than `MIN_CHECK_INTERVAL_MS` from now. `undefined` when nothing is connected.
 */
export function nextCheckAt(lastActiveTimes: Iterable<number>, now: number, timeoutMs: number): number | undefined {
	let earliest: number | undefined;
	for (const at of lastActiveTimes) {
		const expiresAt = at + timeoutMs;
		if (earliest === undefined || expiresAt < earliest) earliest = expiresAt;
	}
	if (earliest === undefined) return undefined;
	return Math.max(earliest, now + MIN_CHECK_INTERVAL_MS);
}
