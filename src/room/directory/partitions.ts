/**
 * (1.4) The directory of occupied rooms (`GET /rooms`). Design, briefly:
 *
 * - **Store.** `DIRECTORY_PARTITIONS` objects of the rooms' own `Room` class, each a SQLite table
 *   of the rooms whose name hashes to it (partition-table.ts). Like shards (shards/names.ts), the
 *   part an object plays follows from its name: `~directory~k` has a `~`, which no room name
 *   may, so no route reaches it, and a Worker that binds `Room` has its directory with no new
 *   binding or migration. No object sees every room's traffic: a room talks to its one partition,
 *   and only when its counts change; a listing asks every partition and merges (merge.ts).
 * - **Feed.** A room's root (it alone holds the roster) keeps in its storage the snapshot its
 *   partition last acknowledged and sends the current one when they differ: at once when the
 *   room becomes occupied or vacated, a few changes at once and then one every `PACE_MS` while
 *   counts keep changing, and from the room's alarm what is held back or failed, until
 *   acknowledged (feed-plan.ts, directory-feed.ts). That durable "owed" state, not a hope
 *   that calls arrive, is what brings back a room after a lost call or a restart. A
 *   version per room (strictly increasing) lets a partition ignore an older snapshot that
 *   arrives late; a vacated room stays a row (hidden) for a while so that a late call cannot
 *   bring it back.
 * - **Fixed count.** Changing `DIRECTORY_PARTITIONS` moves rooms between partitions: a room's
 *   old row would stay until it is vacated. It is a constant, not a setting, for that reason.
 */

/** How many objects hold the directory: a listing asks each once; each takes 1/16 of the rooms' updates. */
export const DIRECTORY_PARTITIONS = 16;

const PREFIX = "~directory~";
const PARTITION_NAME = /^~directory~(0|[1-9][0-9]*)$/;

/** The partition that holds `room`: FNV-1a of its name (ASCII) modulo the partition count. */
export function partitionOf(room: string): number {
	let hash = 0x811c9dc5;
	for (let index = 0; index < room.length; index += 1) {
		hash ^= room.charCodeAt(index);
		hash = Math.imul(hash, 0x01000193) >>> 0;
	}
	return hash % DIRECTORY_PARTITIONS;
}

/** The object name of partition `partition`. */
export function partitionObjectName(partition: number): string {
	if (!Number.isInteger(partition) || partition < 0 || partition >= DIRECTORY_PARTITIONS) {
		throw new RangeError(`directory partitions are numbered 0 to ${DIRECTORY_PARTITIONS - 1}, not ${partition}`);
	}
	return `${PREFIX}${partition}`;
}

/** The partition an object name stands for, or undefined for any other name. */
export function partitionIndexOf(name: string): number | undefined {
	const match = PARTITION_NAME.exec(name);
	if (!match) return undefined;
	const partition = Number(match[1]);
	return partition < DIRECTORY_PARTITIONS ? partition : undefined;
}
