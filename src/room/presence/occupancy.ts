/**
 * When `count` connections hear the room's counts: when either changed, at most once per
 * interval. Pure, with time as an argument.
 */
import type { OccupancyData } from "../../protocol";

/**
 * When to send counts that differ from the last sent: now if a whole interval has passed since
 * the last frame (or none was sent), else when it will have. Undefined: nothing changed.
 */
export function occupancySendAt(
	current: OccupancyData,
	lastSent: { counts: OccupancyData; at: number } | undefined,
	now: number,
	intervalMs: number,
): number | undefined {
	if (
		lastSent &&
		lastSent.counts.userCount === current.userCount &&
		lastSent.counts.connectionCount === current.connectionCount
	) {
		return undefined;
	}
	return lastSent ? Math.max(now, lastSent.at + intervalMs) : now;
}
