/** A room's objects' names: one per (room, index), read back exactly, and none a room could take. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isValidRoomName } from "../../src/protocol";
import { MAX_SHARD_INDEX, objectRole, shardObjectName } from "../../src/room/shards/names";

const roomName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);
const shardIndex = fc.integer({ min: 0, max: MAX_SHARD_INDEX });

describe("shard object names", () => {
	it("names the root by the room itself and a shard by room~k", () => {
		expect(shardObjectName("lobby", 0)).toBe("lobby");
		expect(shardObjectName("lobby", 3)).toBe("lobby~3");
		expect(objectRole("lobby")).toEqual({ room: "lobby", shard: 0 });
		expect(objectRole("lobby~3")).toEqual({ room: "lobby", shard: 3 });
	});

	it("reads back the room and index of every name it makes, and no shard's name is a room's", () => {
		fc.assert(
			fc.property(roomName, shardIndex, (room, shard) => {
				const name = shardObjectName(room, shard);
				expect(objectRole(name)).toEqual({ room, shard });
				expect(isValidRoomName(name)).toBe(shard === 0);
			}),
		);
	});

	it("gives different objects different names", () => {
		fc.assert(
			fc.property(roomName, shardIndex, roomName, shardIndex, (roomA, a, roomB, b) => {
				fc.pre(roomA !== roomB || a !== b);
				expect(shardObjectName(roomA, a)).not.toBe(shardObjectName(roomB, b));
			}),
		);
	});

	it("knows no object for other names: leading zeros, index 0 written out, bad rooms, out of range", () => {
		for (const name of ["lobby~0", "lobby~01", "lobby~", "~1", "lobby~-1", "lobby~1.5", "-x~1", "a~1~2", ""]) {
			expect(objectRole(name), name).toBeUndefined();
		}
		expect(objectRole(`lobby~${MAX_SHARD_INDEX + 1}`)).toBeUndefined();
		expect(objectRole(`${"a".repeat(65)}~1`)).toBeUndefined();
	});

	it("refuses to name what is not an object of a room", () => {
		expect(() => shardObjectName("bad~room", 1)).toThrow(RangeError);
		expect(() => shardObjectName("lobby", -1)).toThrow(RangeError);
		expect(() => shardObjectName("lobby", 1.5)).toThrow(RangeError);
		expect(() => shardObjectName("lobby", MAX_SHARD_INDEX + 1)).toThrow(RangeError);
	});
});
