import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { joinWithToken, serverPost } from "../workerd/connect";

const postSignal = (room: string, body: unknown, authorization?: string | null) =>
	serverPost(room, "signals", body, authorization);

describe("signals under the rate limit", () => {
	it("counts a signal flood like any event: RATE_LIMITED echoing requestId, past the burst of 40", async () => {
		const room = randomRoom();
		const alice = await joinWithToken(room, "alice");
		const bob = await joinWithToken(room, "bob");
		await alice.next("UserJoined");
		const started = Date.now();
		for (let i = 0; i < 90; i++) {
			alice.send({ eventType: "ClientEvent", event: "Signal", requestId: `s${i}`, requestData: { signal: i } });
		}
		const limited = await alice.next("Error", (f) => f.data.code === "RATE_LIMITED");
		expect(limited.requestId).toMatch(/^s\d+$/);
		await alice.settle();
		const elapsedMs = Date.now() - started;
		await bob.settle();
		// The burst less alice's Register (an event too), plus whatever refilled since she connected;
		// each refused one was answered.
		const heard = bob.received("Signal").length;
		const refused = alice
			.received("Error")
			.filter((f) => f.data.code === "RATE_LIMITED" && f.requestId?.startsWith("s")).length;
		expect(heard).toBeGreaterThanOrEqual(39);
		expect(heard).toBeLessThanOrEqual(40 + Math.ceil((elapsedMs * 20) / 1000) + 1);
		expect(heard + refused).toBe(90);
	});
});

describe("server signal (POST /rooms/:room/signals)", () => {
	it("answers 202 {} and delivers a Signal from system, or from the sender it names, storing nothing", async () => {
		const room = randomRoom();
		const alice = await joinWithToken(room, "alice");
		const response = await postSignal(room, { signal: { deploy: "soon" } });
		expect(response.status).toBe(202);
		expect(await response.json()).toEqual({});
		expect((await alice.next("Signal")).data).toEqual({
			from: { userId: "system", name: "system" },
			signal: { deploy: "soon" },
			sentAt: expect.any(Number),
		});
		await postSignal(room, { signal: 1, from: { userId: "bot", name: "Build bot" }, to: "alice" });
		expect((await alice.next("Signal")).data).toMatchObject({
			from: { userId: "bot", name: "Build bot" },
			to: "alice",
		});
		expect(await alice.request("SendMessage", { message: "first" })).toMatchObject({ data: { seq: 1 } });
	});

	it.each([
		["a missing key", { signal: 1 }, null, 401, "UNAUTHORIZED"],
		["a wrong key", { signal: 1 }, "Bearer nope", 401, "UNAUTHORIZED"],
		["a body without signal", { message: 1 }, undefined, 400, "BAD_REQUEST"],
		["a signal nested too deep", `{"signal":${"[".repeat(70)}${"]".repeat(70)}}`, undefined, 400, "BAD_REQUEST"],
		["`to` a user who is not here", { signal: 1, to: "nobody" }, undefined, 404, "USER_NOT_FOUND"],
		["a body over MAX_MESSAGE_BYTES (4096 here)", { signal: "x".repeat(5000) }, undefined, 413, "MESSAGE_TOO_LARGE"],
	])("refuses %s", async (_, body, authorization, status, code) => {
		const room = randomRoom();
		const alice = await joinWithToken(room, "alice");
		const response = await postSignal(room, body, authorization);
		expect(response.status).toBe(status);
		expect(await response.json()).toMatchObject({ error: { code } });
		await alice.settle();
		expect(alice.received("Signal")).toEqual([]);
	});
});
