/**
 * (j)'s account of the sender's messages under a flood: every delivery counted once, a refused
 * message due nowhere, and a delivery still missing when the step gives up counted as lost and in
 * the latencies at the time it had waited, so that losing messages never improves the p99.
 */
import { describe, expect, it } from "vitest";
import { MessageBook, readError } from "../../bench/load/message-book";
import { Samples, summarize } from "../../bench/load/stats";

/** The account's latencies as the benchmark summarizes them. */
function summary(latencies: number[]) {
	const samples = new Samples();
	for (const latency of latencies) samples.push(latency);
	return summarize(samples);
}

describe("MessageBook", () => {
	it("takes each delivery's latency from its message's send time", () => {
		const book = new MessageBook(2);
		const first = book.send(1000);
		const second = book.send(1100);
		book.deliver(0, first, 1010);
		book.deliver(1, first, 1030);
		book.deliver(0, second, 1105);
		expect(book.complete).toBe(false);
		book.deliver(1, second, 1150);
		expect(book.complete).toBe(true);
		const account = book.account(2000);
		expect(account).toMatchObject({ messages: 2, refused: 0, expected: 4, delivered: 4, lost: 0, duplicated: 0 });
		expect(summary(account.latencies)).toMatchObject({ count: 4, p50: 10, max: 50 });
	});

	it("counts a delivery still missing as lost, at the time it had waited", () => {
		const book = new MessageBook(3);
		const key = book.send(0);
		book.deliver(0, key, 20);
		const account = book.account(5000);
		expect(account).toMatchObject({ expected: 3, delivered: 1, lost: 2 });
		// two of three deliveries waited at least 5 s: the p50 and the p99 say so
		expect(summary(account.latencies)).toMatchObject({ count: 3, p50: 5000, p99: 5000 });
	});

	it("expects nothing of a refused message", () => {
		const book = new MessageBook(2);
		const refused = book.send(0);
		const delivered = book.send(100);
		book.refuse(refused);
		book.deliver(0, delivered, 110);
		book.deliver(1, delivered, 120);
		expect(book.complete).toBe(true);
		expect(book.account(9000)).toMatchObject({ messages: 2, refused: 1, expected: 2, delivered: 2, lost: 0 });
	});

	it("counts duplicates and deliveries of unknown messages or receivers apart", () => {
		const book = new MessageBook(1);
		const key = book.send(0);
		book.deliver(0, key, 5);
		book.deliver(0, key, 6);
		book.deliver(0, 7, 8);
		book.deliver(1, key, 9);
		book.refuse(42);
		expect(book.unknown).toBe(2);
		expect(book.account(100)).toMatchObject({ refused: 0, delivered: 1, duplicated: 1, lost: 0 });
	});
});

describe("readError", () => {
	it("reads an Error frame's code and request id", () => {
		const frame =
			'{"eventType":"ServerEvent","event":"Error","requestId":"m12","data":{"code":"RATE_LIMITED","message":"…"}}';
		expect(readError(frame)).toEqual({ code: "RATE_LIMITED", requestId: "m12" });
		expect(
			readError('{"eventType":"ServerEvent","event":"Error","data":{"code":"RATE_LIMITED","message":"…"}}'),
		).toEqual({ code: "RATE_LIMITED" });
	});

	it("is undefined for anything else", () => {
		expect(readError('{"eventType":"ServerEvent","event":"Signal","data":{}}')).toBeUndefined();
		expect(readError("pong")).toBeUndefined();
		expect(readError('{"event":"Error","data":{}}')).toBeUndefined();
	});
});
