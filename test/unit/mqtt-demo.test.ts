/** The MQTT demo page's pure parts: its topics and payloads, how it connects, its typing throttle. */
import { describe, expect, it, vi } from "vitest";
import {
	directTopic,
	readCounts,
	readMessage,
	readSignal,
	refusalText,
	roomSubscriptions,
	textPayload,
} from "../../src/demo/mqtt/payloads";
import { clientIdFor, connectOptions, mqttUrl, tabSuffix } from "../../src/demo/mqtt/session";
import { type Clock, LatestWithin, typingPayload } from "../../src/demo/mqtt/typing";

describe("topics and payloads", () => {
	it("subscribes the room's four topics, messages at QoS 1; no direct topic for an id that is no topic level", () => {
		expect(roomSubscriptions("alice")).toEqual([
			["messages", 1],
			["messages/alice", 1],
			["signals", 0],
			["presence", 0],
		]);
		for (const id of ["a/b", "a+", "#", "a\u0000"]) expect(directTopic(id)).toBeUndefined();
		expect(roomSubscriptions("a/b").map(([topic]) => topic)).toEqual(["messages", "signals", "presence"]);
	});

	it("sends a text as a JSON string, so a text that looks like JSON stays text", () => {
		for (const text of ["hello", "42", '{"a":1}', "null", 'say "hi"\n']) {
			expect(JSON.parse(textPayload(text))).toBe(text);
		}
	});

	it("reads a Message, keeping only its protocol fields", () => {
		const message = { id: "m1", seq: 3, from: { userId: "bob", name: "Bob" }, message: "hi", sentAt: 1000 };
		expect(readMessage(JSON.stringify({ ...message, extra: true }))).toEqual(message);
		expect(readMessage(JSON.stringify({ ...message, to: "alice" }))).toEqual({ ...message, to: "alice" });
		expect(readMessage(JSON.stringify({ ...message, message: null }))).toEqual({ ...message, message: null });
	});

	it("ignores what is not a Message, a signal or the counts", () => {
		const message = { id: "m1", seq: 3, from: { userId: "bob", name: "Bob" }, message: "hi", sentAt: 1000 };
		const { message: _absent, ...noBody } = message;
		for (const text of [
			"not json",
			"[]",
			"null",
			JSON.stringify(noBody),
			JSON.stringify({ ...message, seq: "3" }),
			JSON.stringify({ ...message, from: { userId: "bob" } }),
			JSON.stringify({ ...message, to: 7 }),
		]) {
			expect(readMessage(text), text).toBeUndefined();
		}
		expect(readSignal(JSON.stringify({ from: { userId: "bob", name: "Bob" }, sentAt: 1 }))).toBeUndefined();
		expect(readCounts(JSON.stringify({ userCount: 1 }))).toBeUndefined();
		expect(readCounts("{")).toBeUndefined();
	});

	it("reads a signal's sender and value, and the counts", () => {
		const from = { userId: "bob", name: "Bob" };
		expect(readSignal(JSON.stringify({ from, signal: { typing: true }, sentAt: 5 }))).toEqual({
			from,
			signal: { typing: true },
			sentAt: 5,
		});
		expect(readCounts('{"userCount":2,"connectionCount":3}')).toEqual({ userCount: 2, connectionCount: 3 });
	});

	it("says what each CONNACK refusal means", () => {
		expect(refusalText(4)).toMatch(/user name or token/);
		expect(refusalText(5)).toMatch(/Not allowed/);
		expect(refusalText(3)).toMatch(/full/);
		expect(refusalText(99)).toMatch(/CONNACK 99/);
	});
});

describe("connecting", () => {
	it("uses the page's host, secure when the page is", () => {
		expect(mqttUrl({ protocol: "http:", host: "127.0.0.1:8787" }, "lobby")).toBe(
			"ws://127.0.0.1:8787/rooms/lobby/mqtt",
		);
		expect(mqttUrl({ protocol: "https:", host: "rooms.example" }, "a.b")).toBe("wss://rooms.example/rooms/a.b/mqtt");
	});

	it("names the client demo-USER-SUFFIX, within 64 characters", () => {
		expect(clientIdFor("alice", "abcd1234")).toBe("demo-alice-abcd1234");
		expect(clientIdFor("u".repeat(64), "abcd1234").length).toBeLessThanOrEqual(64);
	});

	it("keeps a tab's suffix per room and user, so a reload finds its session", () => {
		const kept = new Map<string, string>();
		const storage = {
			getItem: (key: string) => kept.get(key) ?? null,
			setItem: (k: string, v: string) => kept.set(k, v),
		};
		const first = tabSuffix(storage, "lobby", "alice");
		expect(first).toMatch(/^[a-z0-9]{8}$/);
		expect(tabSuffix(storage, "lobby", "alice")).toBe(first);
		expect(tabSuffix(storage, "other", "alice")).not.toBe(first);
	});

	it("asks for MQTT 3.1.1, the user as user name, a token as password, clean unless kept", () => {
		const dev = connectOptions({ room: "r", userId: "alice", token: undefined }, "demo-alice-x", false);
		expect(dev).toMatchObject({ protocolVersion: 4, clientId: "demo-alice-x", clean: true, username: "alice" });
		expect(dev).not.toHaveProperty("password");
		const kept = connectOptions({ room: "r", userId: "alice", token: "h.p.s" }, "demo-alice-x", true);
		expect(kept).toMatchObject({ clean: false, username: "alice", password: "h.p.s", timerVariant: "native" });
	});
});

describe("LatestWithin (the typing throttle)", () => {
	function fakeClock(): Clock & { advance: (ms: number) => void } {
		let now = 0;
		const timers: { at: number; run: () => void }[] = [];
		return {
			now: () => now,
			setTimeout: (run, ms) => {
				const timer = { at: now + ms, run };
				timers.push(timer);
				return timer;
			},
			advance(ms) {
				now += ms;
				for (const timer of timers.filter((t) => t.at <= now)) {
					timers.splice(timers.indexOf(timer), 1);
					timer.run();
				}
			},
		};
	}

	it("sends the first at once, then the latest once a window", () => {
		const clock = fakeClock();
		const send = vi.fn<(value: boolean) => void>();
		const typing = new LatestWithin(1000, send, clock);
		typing.set(true);
		expect(send.mock.calls).toEqual([[true]]);
		clock.advance(200);
		typing.set(true);
		clock.advance(200);
		typing.set(false);
		expect(send).toHaveBeenCalledTimes(1);
		clock.advance(599);
		expect(send).toHaveBeenCalledTimes(1);
		clock.advance(1);
		expect(send.mock.calls).toEqual([[true], [false]]);
		clock.advance(5000);
		expect(send).toHaveBeenCalledTimes(2);
		typing.set(true);
		expect(send.mock.calls).toEqual([[true], [false], [true]]);
	});

	it("writes the chat's typing signal", () => {
		expect(JSON.parse(typingPayload(true))).toEqual({ typing: true });
	});
});
