/**
 * How the room reads what `onMessage` returns, and what it does when a hook fails: pure parts,
 * without a room. The room's own tests (test/workerd-hooks) run the same through every entry point.
 */
import { describe, expect, it, vi } from "vitest";
import { ProtocolError } from "../../src/protocol";
import {
	HOOK_FAILED,
	type IncomingMessage,
	readDecision,
	refuse,
	runRosterHook,
	screenMessage,
} from "../../src/room/hooks";

const incoming: IncomingMessage = {
	room: "lobby",
	from: { userId: "alice", name: "Alice" },
	message: "hi",
	source: "client",
};

describe("readDecision", () => {
	it("keeps on undefined, replaces with what the JSON of the replacement says, refuses with a known code", () => {
		expect(readDecision(undefined, 100)).toEqual({ kind: "keep" });
		expect(readDecision({ message: { a: [1, null] } }, 100)).toEqual({ kind: "replace", value: { a: [1, null] } });
		expect(readDecision({ message: null }, 100)).toEqual({ kind: "replace", value: null });
		expect(readDecision(refuse("FORBIDDEN", "not here"), 100)).toEqual({
			kind: "refuse",
			code: "FORBIDDEN",
			reason: "not here",
		});
		expect(readDecision(refuse("BAD_REQUEST"), 100)).toEqual({
			kind: "refuse",
			code: "BAD_REQUEST",
			reason: "the room refused this message",
		});
	});

	it("holds a replacement to the value rule and the size limit", () => {
		expect(readDecision({ message: "x".repeat(98) }, 100)).toMatchObject({ kind: "replace" });
		expect(readDecision({ message: "x".repeat(99) }, 100)).toMatchObject({ kind: "invalid" });
		expect(readDecision({ message: Number.NaN }, 100)).toMatchObject({ kind: "invalid" });
		expect(readDecision({ message: undefined }, 100)).toMatchObject({ kind: "invalid" });
		expect(readDecision({ message: 1n }, 100)).toMatchObject({ kind: "invalid" });
		let deep: unknown = 1;
		for (let i = 0; i < 65; i++) deep = [deep];
		expect(readDecision({ message: deep }, 10_000)).toMatchObject({ kind: "invalid" });
	});

	it("calls anything else invalid: a Promise, null, a string, an unknown code, a reason that is not text", async () => {
		const rejected = Promise.reject(new Error("late"));
		expect(readDecision(rejected, 100)).toEqual({
			kind: "invalid",
			problem: "returned a Promise: hooks must be synchronous",
		});
		await Promise.resolve(); // the rejection was handled: no unhandled rejection follows
		for (const decision of [null, "keep", 0, { refuse: "NOPE" }, { refuse: "FORBIDDEN", reason: 5 }, {}]) {
			expect(readDecision(decision, 100).kind, JSON.stringify(decision)).toBe("invalid");
		}
	});
});

describe("screenMessage", () => {
	it("returns the value to store, or throws the refusal the sender gets", () => {
		const log = vi.fn();
		expect(screenMessage(() => undefined, incoming, 100, log)).toBe("hi");
		expect(screenMessage(() => ({ message: "**" }), incoming, 100, log)).toBe("**");
		expect(() => screenMessage(() => refuse("FORBIDDEN", "no"), incoming, 100, log)).toThrow(
			new ProtocolError("FORBIDDEN", "no"),
		);
		expect(log).not.toHaveBeenCalled();
	});

	it("refuses with INTERNAL and logs when the hook throws or answers something it cannot use", () => {
		const log = vi.fn();
		const failure = new Error("boom");
		const thrown = (() => {
			try {
				screenMessage(
					() => {
						throw failure;
					},
					incoming,
					100,
					log,
				);
			} catch (error) {
				return error;
			}
		})();
		expect(thrown).toEqual(new ProtocolError("INTERNAL", HOOK_FAILED));
		expect(log).toHaveBeenCalledWith("onMessage threw", failure);
		expect(() => screenMessage(() => ({ message: "x".repeat(200) }), incoming, 100, log)).toThrow(HOOK_FAILED);
		expect(log).toHaveBeenLastCalledWith("onMessage returned a replacement larger than 100 bytes");
	});
});

describe("runRosterHook", () => {
	const alice = { userId: "alice", name: "Alice", meta: {}, connections: 0, joinedAt: 1 };

	it("calls onJoin or onLeave for the change", () => {
		const hooks = { onJoin: vi.fn(), onLeave: vi.fn() };
		runRosterHook({ joined: { ...alice, connections: 1 } }, hooks, vi.fn());
		runRosterHook({ left: alice, reason: "timeout" }, hooks, vi.fn());
		expect(hooks.onJoin).toHaveBeenCalledWith({ ...alice, connections: 1 });
		expect(hooks.onLeave).toHaveBeenCalledWith(alice, "timeout");
	});

	it("logs a hook that throws or returns a Promise, and its rejection, and returns normally", async () => {
		const log = vi.fn();
		const failure = new Error("nope");
		const hooks = {
			onJoin: () => {
				throw failure;
			},
			onLeave: () => Promise.reject(failure),
		};
		runRosterHook({ joined: alice }, hooks, log);
		runRosterHook({ left: alice, reason: "close" }, hooks, log);
		await vi.waitFor(() => expect(log).toHaveBeenCalledTimes(3));
		expect(log.mock.calls).toEqual([
			["onJoin threw", failure],
			["onLeave returned a Promise: hooks must be synchronous"],
			["onLeave threw", failure],
		]);
	});
});
