/** InboundQueue on its own: the first turn at once, each later one in a task of its own, in order. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { InboundQueue } from "../../src/client/inbound";

beforeEach(() => {
	vi.useFakeTimers();
});
afterEach(() => {
	vi.useRealTimers();
});

/** Runs every task the queue scheduled (the fake clock puts each a millisecond after the last). */
const drain = () => vi.advanceTimersByTimeAsync(1_000);

describe("InboundQueue", () => {
	it("runs a lone report at once, and a batch's first event at once and each later one after the microtasks before it", async () => {
		const queue = new InboundQueue();
		const log: string[] = [];
		const turn = (name: string) => () => {
			log.push(name);
			void Promise.resolve().then(() => log.push(`${name} then`));
		};
		queue.push([turn("alone")]);
		expect(log).toEqual(["alone"]);
		await drain();
		queue.push([turn("a"), turn("b"), turn("c")]);
		expect(log.slice(2)).toEqual(["a"]);
		await drain();
		expect(log.slice(2)).toEqual(["a", "a then", "b", "b then", "c", "c then"]);
	});

	it("keeps a report that comes while a batch is under way behind it, even one pushed from a turn", async () => {
		const queue = new InboundQueue();
		const log: string[] = [];
		queue.push([
			() => {
				log.push("a");
				queue.push([() => log.push("pushed by a")]);
			},
			() => log.push("b"),
		]);
		queue.push([() => log.push("close")]);
		expect(log).toEqual(["a"]);
		await drain();
		expect(log).toEqual(["a", "b", "pushed by a", "close"]);
	});

	it("drops what waits once cleared, even from a turn", async () => {
		const queue = new InboundQueue();
		const log: string[] = [];
		queue.push([() => log.push("a"), () => queue.clear(), () => log.push("dropped")]);
		await drain();
		expect(log).toEqual(["a"]);
	});

	it("goes on after a turn that throws, as the next frame would", async () => {
		const queue = new InboundQueue();
		const log: string[] = [];
		expect(() =>
			queue.push([
				() => {
					throw new Error("a listener's bug");
				},
				() => log.push("next"),
			]),
		).toThrow("a listener's bug");
		await drain();
		expect(log).toEqual(["next"]);
	});

	it("takes a batch far over the protocol's 256 events without overflowing the stack", () => {
		const queue = new InboundQueue();
		let ran = 0;
		expect(() => queue.push(Array.from({ length: 500_000 }, () => () => ran++))).not.toThrow();
		expect(ran).toBe(1);
		queue.clear();
	});
});
