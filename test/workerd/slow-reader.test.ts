/**
 * The room's side of MAX_BUFFERED_BYTES (1 MiB here): which sends look at a socket's backlog,
 * whom a close with 4001 is announced to, and who hears nothing. The workerd under
 * vitest-pool-workers has no `bufferedAmount` and its client ends are in-process, so a backlog
 * cannot pile up here: a test stands in for the runtime by giving one server-side socket the
 * property. test/e2e/slow-reader.e2e.test.ts shows the real runtime filling it over TCP.
 */
import { describe, expect, it } from "vitest";
import { CloseCodes } from "../../src/protocol";
import { sendCost } from "../../src/room/backlog";
import { DEFAULT_SETTINGS } from "../../src/settings";
import { randomRoom } from "../support/client";
import { expectTooSlowLogs } from "../support/expected-logs";
import { reportBacklog } from "./backlog";
import { join, usersOf } from "./connect";

const MAX = DEFAULT_SETTINGS.maxBufferedBytes;

describe("a connection more than MAX_BUFFERED_BYTES behind", () => {
	it("is closed with 4001 instead of sent a broadcast; everyone else gets it and UserLeft close", async () => {
		const room = randomRoom();
		const slow = await join(room, "slow");
		const alice = await join(room, "alice");
		const bob = await join(room, "bob");
		await alice.next("UserJoined", (frame) => frame.data.user.userId === "bob");
		await reportBacklog(room, slow, MAX + 1);
		const closing = expectTooSlowLogs(room, "slow");

		const ack = await alice.request("SendMessage", { message: "hello" });
		expect(ack.event).toBe("MessageAck");
		expect(await slow.waitForClose()).toEqual({ code: CloseCodes.tooSlow, reason: "too slow" });
		expect(closing).toHaveLength(1);
		expect((await bob.next("Message")).data.message).toBe("hello");
		for (const reader of [alice, bob]) {
			const left = await reader.next("UserLeft");
			expect(left.data).toMatchObject({ user: { userId: "slow", connections: 0 }, reason: "close" });
		}
		expect(slow.received("Message")).toEqual([]);
		expect(slow.received("UserLeft")).toEqual([]);
		const users = await usersOf(room);
		expect(users.map((user) => user.userId)).toEqual(["alice", "bob"]);
		await bob.settle();
		expect(bob.pending()).toEqual([]);
	});

	it("is left alone at exactly the bound", async () => {
		const room = randomRoom();
		const reader = await join(room, "reader");
		const alice = await join(room, "alice");
		await reportBacklog(room, reader, MAX);
		const closing = expectTooSlowLogs(room, "reader");
		await alice.request("SendMessage", { message: "still fine" });
		expect((await reader.next("Message")).data.message).toBe("still fine");
		expect(reader.closeEvent).toBeUndefined();
		expect(closing).toEqual([]);
		await alice.settle();
		expect(alice.received("UserLeft")).toEqual([]);
	});

	it("is closed when a direct message finds it; the user's other tab stays, so the others see an update", async () => {
		const room = randomRoom();
		const alice = await join(room, "alice");
		const stuckTab = await join(room, "bob");
		const liveTab = await join(room, "bob");
		await alice.next("UserUpdated", (frame) => frame.data.user.connections === 2);
		await reportBacklog(room, stuckTab, MAX + 1);
		const closing = expectTooSlowLogs(room, "bob");

		await alice.request("SendMessage", { message: "psst", to: "bob" });
		expect((await stuckTab.waitForClose()).code).toBe(CloseCodes.tooSlow);
		expect(closing).toHaveLength(1);
		expect((await liveTab.next("Message")).data.message).toBe("psst");
		const update = await alice.next("UserUpdated", (frame) => frame.data.user.connections === 1);
		expect(update.data.user.userId).toBe("bob");
		expect(stuckTab.received("Message")).toEqual([]);
		await alice.settle();
		expect(alice.received("UserLeft")).toEqual([]);
	});

	it("gets no reply to a request: it is closed with 4001 before the room handles it", async () => {
		const room = randomRoom();
		const slow = await join(room, "slow");
		const alice = await join(room, "alice");
		await reportBacklog(room, slow, MAX + 1);
		const closing = expectTooSlowLogs(room, "slow");

		slow.send({ eventType: "ClientEvent", event: "SendMessage", requestId: "unread", requestData: { message: "x" } });
		expect((await slow.waitForClose()).code).toBe(CloseCodes.tooSlow);
		expect(closing).toHaveLength(1);
		expect(slow.frames.filter((frame) => frame.requestId === "unread")).toEqual([]);
		expect((await alice.next("UserLeft")).data).toMatchObject({ user: { userId: "slow" }, reason: "close" });
		// Nothing it asked for happened: no message was stored or delivered.
		await alice.settle();
		expect(alice.received("Message")).toEqual([]);
		const sent = await alice.request("SendMessage", { message: "first" });
		expect(sent.event === "MessageAck" && sent.data.seq).toBe(1);
	});

	it("is found without a wake-up too, once what the room sent since it last looked could have put it over", async () => {
		const room = randomRoom();
		const slow = await join(room, "slow");
		const alice = await join(room, "alice");
		await alice.request("SendMessage", { message: "looked" });
		await slow.next("Message");
		await reportBacklog(room, slow, MAX + 1, false);
		const closing = expectTooSlowLogs(room, "slow");

		const big = "m".repeat(60_000);
		let sent = 0;
		while (slow.closeEvent === undefined && sent < 20) {
			await alice.request("SendMessage", { message: big });
			sent++;
			await alice.settle();
		}
		expect((await slow.waitForClose()).code).toBe(CloseCodes.tooSlow);
		expect(closing).toHaveLength(1);
		// The room did not look before each send: those within the bound went out as usual.
		const delivered = slow.received("Message").filter((frame) => frame.data.message === big).length;
		expect(delivered).toBeGreaterThan(0);
		expect(delivered * sendCost(JSON.stringify(big))).toBeLessThanOrEqual(MAX + sendCost(JSON.stringify(big)));
		expect((await alice.next("UserLeft")).data).toMatchObject({ user: { userId: "slow" }, reason: "close" });
	});
});
