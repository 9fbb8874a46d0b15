import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { connect, join } from "./connect";

describe("smoke", () => {
	it("connects and registers", async () => {
		const room = randomRoom();
		const a = await connect(room);
		expect(a.established.data.room).toBe(room);
		const reply = await a.register("alice");
		expect(reply.event).toBe("Registered");
		const b = await join(room, "bob");
		const joined = await a.next("UserJoined");
		expect(joined.data.user.userId).toBe("bob");
		await b.settle();
	});
});
