import { describe, expect, it } from "vitest";
import { CloseCodes } from "../../src/protocol";
import { BacklogBounds, bufferedAmountOf, overBacklog, sendCost, TOO_SLOW } from "../../src/room/backlog";
import { DEFAULT_SETTINGS } from "../../src/settings";

const MAX = DEFAULT_SETTINGS.maxBufferedBytes;

describe("overBacklog", () => {
	it("is false while no more than the bound waits, the bound itself included", () => {
		expect(overBacklog(0, MAX)).toBe(false);
		expect(overBacklog(64 * 1024, MAX)).toBe(false);
		expect(overBacklog(MAX, MAX)).toBe(false);
	});

	it("is true from one byte over the bound", () => {
		expect(overBacklog(MAX + 1, MAX)).toBe(true);
		expect(overBacklog(200 * 1024 * 1024, MAX)).toBe(true);
	});

	it("follows the configured bound, not the default", () => {
		expect(overBacklog(5000, 4096)).toBe(true);
		expect(overBacklog(5000, 8192)).toBe(false);
	});

	it("never closes on a runtime that cannot tell (no number, or not a finite one)", () => {
		for (const unknown of [undefined, null, "2000000", Number.NaN, Number.POSITIVE_INFINITY, {}]) {
			expect(overBacklog(unknown, MAX), String(unknown)).toBe(false);
		}
	});
});

describe("bufferedAmountOf", () => {
	it("reads the runtime's property, and undefined where the runtime has none", () => {
		expect(bufferedAmountOf({ bufferedAmount: 1234 } as unknown as WebSocket)).toBe(1234);
		expect(bufferedAmountOf({} as unknown as WebSocket)).toBeUndefined();
	});
});

describe("TOO_SLOW", () => {
	it("is the contract's close 4001 with the reason 'too slow'", () => {
		expect(TOO_SLOW).toEqual({ code: 4001, reason: "too slow" });
		expect(TOO_SLOW.code).toBe(CloseCodes.tooSlow);
	});
});

/** A socket whose `bufferedAmount` the test sets, counting how often it is read. */
function fakeSocket(waiting: unknown = 0) {
	const socket = {
		waiting,
		reads: 0,
		get bufferedAmount() {
			socket.reads++;
			return socket.waiting;
		},
	};
	return socket;
}
const asWs = (socket: ReturnType<typeof fakeSocket>) => socket as unknown as WebSocket;
/** The end of the room's turn: what it sent in that turn may have been read since. */
const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe("BacklogBounds", () => {
	const frame = "x".repeat(1000);

	it("asks the runtime on the first send to a socket, then not while what was sent since keeps it within the bound", async () => {
		const bounds = new BacklogBounds(100_000);
		const socket = fakeSocket(0);
		let sends = 0;
		while (sends * sendCost(frame) <= 100_000) {
			expect(bounds.overBeforeSend(asWs(socket), frame)).toBe(false);
			sends++;
			await nextTurn();
		}
		expect(sends).toBeGreaterThan(30);
		expect(socket.reads).toBe(1);
		// past the bound by what was sent: asked again, and it had drained
		expect(bounds.overBeforeSend(asWs(socket), frame)).toBe(false);
		expect(socket.reads).toBe(2);
	});

	it("closes a peer the runtime reports over the bound once the sends could have put it there", async () => {
		const bounds = new BacklogBounds(100_000);
		const socket = fakeSocket(0);
		bounds.overBeforeSend(asWs(socket), frame);
		socket.waiting = 100_001;
		let sends = 1;
		for (;;) {
			await nextTurn();
			if (bounds.overBeforeSend(asWs(socket), frame)) break;
			sends++;
		}
		// no backlog over the bound could be built by fewer sends than that
		expect(sends * sendCost(frame)).toBeGreaterThan(100_000);
		expect(bounds.overBeforeSend(asWs(socket), frame)).toBe(true);
	});

	it("never closes a reader for what the room sent it in the same turn, however much", async () => {
		const bounds = new BacklogBounds(100_000);
		const reader = fakeSocket(0);
		// the runtime's count grows with every send of the turn; none of it can have been read yet
		for (let i = 0; i < 500; i++) {
			expect(bounds.overBeforeSend(asWs(reader), frame)).toBe(false);
			reader.waiting = (reader.waiting as number) + frame.length;
		}
		expect(bounds.over(asWs(reader))).toBe(false);
		// the next turn: a reader that read it all is fine, one that read nothing is over
		await nextTurn();
		const stuck = reader.waiting;
		reader.waiting = 0;
		expect(bounds.overBeforeSend(asWs(reader), frame)).toBe(false);
		await nextTurn();
		reader.waiting = stuck;
		expect(bounds.over(asWs(reader))).toBe(true);
	});

	it("decides as a read before every send would: exactly at the bound is not over", () => {
		const bounds = new BacklogBounds(100_000);
		const atBound = fakeSocket(100_000);
		const over = fakeSocket(100_001);
		expect(bounds.overBeforeSend(asWs(atBound), frame)).toBe(false);
		expect(bounds.overBeforeSend(asWs(over), frame)).toBe(true);
		expect(bounds.over(asWs(over))).toBe(true);
	});

	it("counts a frame's worst-case UTF-8, so a multibyte frame cannot slip past the bound", () => {
		expect(sendCost("é".repeat(100))).toBeGreaterThanOrEqual(new TextEncoder().encode("é".repeat(100)).length);
		expect(sendCost("😀".repeat(100))).toBeGreaterThanOrEqual(new TextEncoder().encode("😀".repeat(100)).length);
	});

	it("reads again whenever `over` is asked (a request's check), and never closes where the runtime cannot tell", () => {
		const bounds = new BacklogBounds(100_000);
		const unknown = fakeSocket(undefined);
		for (let i = 0; i < 1000; i++) expect(bounds.overBeforeSend(asWs(unknown), frame)).toBe(false);
		expect(bounds.over(asWs(unknown))).toBe(false);
		expect(unknown.reads).toBeGreaterThan(1);
	});
});
