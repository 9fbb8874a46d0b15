import { describe, expect, it } from "vitest";
import { ONE_OBJECT_CONNECTIONS, roomCapacity, upgradeRefusal } from "../../src/room/admission";
import type { Hub } from "../../src/room/hub";
import { readSettings } from "../../src/settings";

/** A hub that only says how many connections it holds. */
const hubHolding = (size: number) => ({ size, verifiedConnections: () => 0 }) as unknown as Hub;
const upgrade = () => new Request("http://room/rooms/r/ws", { headers: { Upgrade: "websocket" } });

describe("a room's capacity while it lives in one object", () => {
	it("is MAX_CONNECTIONS up to what one object holds", () => {
		expect(roomCapacity({ maxConnections: 10_000 })).toBe(10_000);
		expect(roomCapacity({ maxConnections: 1_000_000 })).toBe(ONE_OBJECT_CONNECTIONS);
	});

	it("refuses ROOM_FULL at one object's ceiling even when MAX_CONNECTIONS allows more", async () => {
		const settings = readSettings({ MAX_CONNECTIONS: "1000000", SHARD_CONNECTIONS: "5000" }, () => {});
		expect(settings.maxConnections).toBe(1_000_000);
		expect(upgradeRefusal(hubHolding(ONE_OBJECT_CONNECTIONS - 1), settings, undefined, upgrade())).toBeUndefined();
		const refused = upgradeRefusal(hubHolding(ONE_OBJECT_CONNECTIONS), settings, undefined, upgrade());
		expect(refused?.status).toBe(503);
		expect(await refused?.json()).toEqual({
			error: { code: "ROOM_FULL", message: `this room holds at most ${ONE_OBJECT_CONNECTIONS} connections` },
		});
	});
});
