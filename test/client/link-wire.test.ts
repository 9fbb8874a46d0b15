import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_OPTIONS } from "../../src/client";
import { LinkMonitor } from "../../src/client/link-monitor";
import { decodeServerFrames, roomSocketUrl } from "../../src/client/wire";

describe("LinkMonitor", () => {
	beforeEach(() => {
		vi.useFakeTimers();
	});
	afterEach(() => {
		vi.useRealTimers();
	});

	function monitor() {
		const events: string[] = [];
		const link = new LinkMonitor({
			heartbeatMs: 20_000,
			deadAfterMs: 60_000,
			checkMs: DEFAULT_OPTIONS.linkCheckMs,
			probeGraceMs: DEFAULT_OPTIONS.probeGraceMs,
			now: Date.now,
			ping: () => events.push(`ping@${Date.now() - start}`),
			dead: () => events.push(`dead@${Date.now() - start}`),
		});
		const start = Date.now();
		return { link, events, start };
	}

	it("schedules the next ping from the pong, so pings stay 20 s apart", async () => {
		const { link, events } = monitor();
		link.start();
		await vi.advanceTimersByTimeAsync(20_000);
		await vi.advanceTimersByTimeAsync(150);
		link.heard(true);
		await vi.advanceTimersByTimeAsync(20_000);
		expect(events).toEqual(["ping@20000", "ping@40000"]);
	});

	it("a late check (a throttled background tab) is not death while pings are answered", async () => {
		const { link, events } = monitor();
		link.start();
		// Timers stalled for 90 s: the first look after that finds old silence but no unanswered ping.
		vi.setSystemTime(Date.now() + 90_000);
		link.check();
		expect(events).toEqual(["ping@90000"]);
		link.heard(true);
		vi.setSystemTime(Date.now() + 61_000);
		link.check();
		expect(events).toEqual(["ping@90000", "ping@151000"]);
	});

	it("is dead when silent past the timeout and a ping went unanswered for 5 s", async () => {
		const { link, events } = monitor();
		link.start();
		await vi.advanceTimersByTimeAsync(64_999);
		expect(events).toEqual(["ping@20000", "ping@40000", "ping@60000"]);
		await vi.advanceTimersByTimeAsync(1);
		expect(events.at(-1)).toBe("dead@65000");
		// Stopped by its own verdict: nothing more.
		await vi.advanceTimersByTimeAsync(120_000);
		expect(events).toHaveLength(4);
	});

	it("any frame, not only pong, proves the link alive", async () => {
		const { link, events } = monitor();
		link.start();
		for (let second = 5; second <= 120; second += 5) {
			await vi.advanceTimersByTimeAsync(5_000);
			link.heard(false);
		}
		expect(events.some((event) => event.startsWith("dead"))).toBe(false);
	});
});

describe("wire helpers", () => {
	it("builds the room's socket URL from the host, encoding the room and the token", () => {
		expect(roomSocketUrl("http://127.0.0.1:8787", "lobby", undefined)).toBe("ws://127.0.0.1:8787/rooms/lobby/ws");
		expect(roomSocketUrl("https://rooms.example/", "a.b-c_1", "x.y+z")).toBe(
			"wss://rooms.example/rooms/a.b-c_1/ws?token=x.y%2Bz",
		);
		expect(roomSocketUrl("wss://rooms.example", "lobby", undefined)).toBe("wss://rooms.example/rooms/lobby/ws");
		// Rooms mounted under a prefix of a Worker (edge-rooms/server): the host's path is kept.
		expect(roomSocketUrl("https://app.example/chat/", "lobby", "t")).toBe(
			"wss://app.example/chat/rooms/lobby/ws?token=t",
		);
		expect(roomSocketUrl("http://app.example/a/b", "lobby", undefined)).toBe("ws://app.example/a/b/rooms/lobby/ws");
		expect(() => roomSocketUrl(undefined, "lobby", undefined)).toThrow(/no host/);
	});

	const joinedEvent = '{"eventType":"ServerEvent","event":"UserJoined","data":{"user":{}}}';
	/** JSON, but no server event. */
	const notEvents = [
		"null",
		"7",
		'"text"',
		'{"event":"Surprise","data":{}}',
		'{"event":"Message"}',
		'{"event":"Message","data":null}',
		'{"event":7,"data":{}}',
	];

	it("lets through only frames of the protocol's server events", () => {
		expect(decodeServerFrames(joinedEvent)).toMatchObject([{ event: "UserJoined" }]);
		for (const bad of ["<html>", "[1,", ...notEvents, new ArrayBuffer(2)]) {
			expect(decodeServerFrames(bad)).toEqual([undefined]);
		}
	});

	it("unpacks a batched frame into its events in order, each element checked as a frame would be", () => {
		expect(decodeServerFrames("[]")).toEqual([]);
		const left = '{"eventType":"ServerEvent","event":"UserLeft","data":{"user":{},"reason":"close"}}';
		expect(decodeServerFrames(`[${joinedEvent},${left}]`)).toMatchObject([
			{ event: "UserJoined" },
			{ event: "UserLeft" },
		]);
		const mixed = decodeServerFrames(`[${joinedEvent},${notEvents.join(",")},[${joinedEvent}],${left}]`);
		// A nested array is not an event: batches do not nest.
		expect(mixed).toHaveLength(notEvents.length + 3);
		expect(mixed.slice(1, -1)).toEqual(Array(notEvents.length + 1).fill(undefined));
		expect(mixed.at(-1)).toMatchObject({ event: "UserLeft" });
	});
});
