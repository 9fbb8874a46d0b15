/** (1.4) Which partition holds a room, and the partitions' object names, which no room or shard has. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ROOM_NAME_PATTERN } from "../../src/protocol";
import {
	DIRECTORY_PARTITIONS,
	partitionIndexOf,
	partitionObjectName,
	partitionOf,
} from "../../src/room/directory/partitions";
import { objectRole } from "../../src/room/shards/names";

describe("partitionOf", () => {
	it("spreads room names over every partition", () => {
		const counts = new Array<number>(DIRECTORY_PARTITIONS).fill(0);
		for (let index = 0; index < 16_000; index += 1) {
			const partition = partitionOf(`room-${index}`);
			counts[partition] = (counts[partition] ?? 0) + 1;
		}
		for (const count of counts) expect(count).toBeGreaterThan(800);
	});

	it("is a number of 0 to DIRECTORY_PARTITIONS - 1, the same every time (property)", () => {
		fc.assert(
			fc.property(fc.stringMatching(ROOM_NAME_PATTERN), (room) => {
				const partition = partitionOf(room);
				expect(Number.isInteger(partition) && partition >= 0 && partition < DIRECTORY_PARTITIONS).toBe(true);
				expect(partitionOf(room)).toBe(partition);
			}),
		);
	});
});

describe("partition object names", () => {
	it("name each partition once, and are read back", () => {
		for (let partition = 0; partition < DIRECTORY_PARTITIONS; partition += 1) {
			const name = partitionObjectName(partition);
			expect(partitionIndexOf(name)).toBe(partition);
		}
	});

	it("are no room's and no shard's", () => {
		for (let partition = 0; partition < DIRECTORY_PARTITIONS; partition += 1) {
			expect(objectRole(partitionObjectName(partition))).toBeUndefined();
		}
	});

	it.each([
		["lobby"],
		["lobby~1"],
		["~directory~"],
		["~directory~01"],
		[`~directory~${DIRECTORY_PARTITIONS}`],
		["~directory~-1"],
	])("are not %s", (name) => {
		expect(partitionIndexOf(name)).toBeUndefined();
	});

	it.each([[-1], [DIRECTORY_PARTITIONS], [1.5]])("refuse partition %s", (partition) => {
		expect(() => partitionObjectName(partition)).toThrow(RangeError);
	});
});
