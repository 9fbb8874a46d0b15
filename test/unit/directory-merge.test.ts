/**
 * (1.4) A directory page from its partitions' answers: a k-way merge by name, and paging with a
 * cursor over partitions that each give their first `limit + 1` names after it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DirectoryRoom } from "../../src/protocol";
import { mergeByName, perPartitionLimit } from "../../src/room/directory/merge";
import { DIRECTORY_PARTITIONS, partitionOf } from "../../src/room/directory/partitions";

const entry = (room: string): DirectoryRoom => ({ room, userCount: 1, connectionCount: 1, occupiedAt: 0 });
const names = (rooms: readonly DirectoryRoom[]) => rooms.map((room) => room.room);

/** What a partition answers: its first `limit` rooms by name with the prefix, after `after`. */
function partitionAnswer(rooms: string[], prefix: string, limit: number, after?: string): DirectoryRoom[] {
	return [...rooms]
		.filter((room) => room.startsWith(prefix) && (after === undefined || room > after))
		.sort()
		.slice(0, limit)
		.map(entry);
}

/** Every page, as GET /rooms gives them one after the other, over rooms spread by partitionOf. */
function pagesOf(rooms: string[], prefix: string, limit: number): string[][] {
	const partitions = Array.from({ length: DIRECTORY_PARTITIONS }, (_, k) =>
		rooms.filter((room) => partitionOf(room) === k),
	);
	const pages: string[][] = [];
	let after: string | undefined;
	for (;;) {
		const lists = partitions.map((held) => partitionAnswer(held, prefix, perPartitionLimit(limit), after));
		const { rooms: page, more } = mergeByName(lists, limit);
		pages.push(names(page));
		if (!more) return pages;
		after = page[page.length - 1]?.room;
	}
}

describe("mergeByName", () => {
	it("merges sorted lists by name and takes the first `limit`", () => {
		const lists = [["b", "e", "h"], ["a", "f"], [], ["c", "d", "g"]].map((list) => list.map(entry));
		expect(mergeByName(lists, 5)).toEqual({ rooms: ["a", "b", "c", "d", "e"].map(entry), more: true });
		expect(mergeByName(lists, 8)).toEqual({ rooms: ["a", "b", "c", "d", "e", "f", "g", "h"].map(entry), more: false });
	});

	it("says nothing follows when no list has anything", () => {
		expect(mergeByName([[], []], 3)).toEqual({ rooms: [], more: false });
		expect(mergeByName([], 3)).toEqual({ rooms: [], more: false });
	});

	it("counts a name given twice once", () => {
		expect(names(mergeByName([[entry("a"), entry("b")], [entry("b")]], 5).rooms)).toEqual(["a", "b"]);
	});

	it("says more follow exactly when a partition gave more than the page takes", () => {
		// One partition holding all of a page, and one more: only limit + 1 shows it.
		expect(mergeByName([["a", "b", "c"].map(entry)], 3).more).toBe(false);
		expect(mergeByName([["a", "b", "c", "d"].map(entry)], 3).more).toBe(true);
	});
});

describe("paging the directory (property)", () => {
	it("gives every room with the prefix once, in name order, in pages of `limit`", () => {
		const rooms = fc.uniqueArray(fc.stringMatching(/^[a-c][a-c0-9._-]{0,5}$/), { maxLength: 80 });
		fc.assert(
			fc.property(
				rooms,
				fc.constantFrom("", "a", "b.", "c1"),
				fc.integer({ min: 1, max: 12 }),
				(all, prefix, limit) => {
					const pages = pagesOf(all, prefix, limit);
					const expected = all.filter((room) => room.startsWith(prefix)).sort();
					expect(pages.flat()).toEqual(expected);
					for (const page of pages.slice(0, -1)) expect(page.length).toBe(limit);
					expect(pages.at(-1)?.length).toBeLessThanOrEqual(limit);
					// The last page is not empty unless there was nothing at all.
					if (expected.length > 0) expect(pages.at(-1)?.length).toBeGreaterThan(0);
				},
			),
		);
	});
});
