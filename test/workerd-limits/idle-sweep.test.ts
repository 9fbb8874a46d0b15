import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { joinWithToken, roomStub } from "../workerd/connect";

const alarmAt = (room: string) => runInDurableObject(roomStub(room), (_, state) => state.storage.getAlarm());

describe("IDLE_SWEEP_SECONDS (90 in this project)", () => {
	it("sets the backstop alarm that far ahead, and again after it runs", async () => {
		const room = randomRoom();
		const before = Date.now();
		const alice = await joinWithToken(room, "alice");
		const at = await alarmAt(room);
		expect(at as number).toBeGreaterThanOrEqual(before + 90_000);
		expect(at as number).toBeLessThanOrEqual(Date.now() + 90_000);

		const beforeRun = Date.now();
		expect(await runDurableObjectAlarm(roomStub(room))).toBe(true);
		const next = await alarmAt(room);
		expect(next as number).toBeGreaterThanOrEqual(beforeRun + 90_000);
		expect(next as number).toBeLessThanOrEqual(Date.now() + 90_000);
		expect((await alice.request("SendMessage", { message: "still here" })).event).toBe("MessageAck");
	});
});
