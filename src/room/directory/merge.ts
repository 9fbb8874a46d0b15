/**
 * (1.4) A page of the directory from its partitions' answers. Each partition gives its first
 * `limit + 1` rooms after the cursor, by name; the page is the first `limit` of them all, by name
 * (a k-way merge), and more follow exactly when a room is left over: a partition that had more
 * than it gave gave `limit + 1`, which is more than the page takes. Pure.
 */
import type { DirectoryRoom } from "../../protocol";

export interface MergedPage {
	rooms: DirectoryRoom[];
	/** Whether rooms follow the last of `rooms`. */
	more: boolean;
}

/** How many rooms to ask each partition for, for a page of `limit`. */
export function perPartitionLimit(limit: number): number {
	return limit + 1;
}

/** The first `limit` rooms of `lists` (each sorted by name) by name; a name given twice counts once. */
export function mergeByName(lists: readonly (readonly DirectoryRoom[])[], limit: number): MergedPage {
	const heads = lists.map(() => 0);
	const rooms: DirectoryRoom[] = [];
	let last: string | undefined;
	for (;;) {
		let pick = -1;
		let pickName = "";
		lists.forEach((list, index) => {
			const room = list[heads[index] as number];
			if (room !== undefined && (pick < 0 || room.room < pickName)) {
				pick = index;
				pickName = room.room;
			}
		});
		if (pick < 0) return { rooms, more: false };
		const room = (lists[pick] as readonly DirectoryRoom[])[heads[pick] as number] as DirectoryRoom;
		heads[pick] = (heads[pick] as number) + 1;
		if (room.room === last) continue;
		if (rooms.length === limit) return { rooms, more: true };
		rooms.push(room);
		last = room.room;
	}
}
