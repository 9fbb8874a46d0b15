/**
 * The frame patterns of the README and the docs pages (test/support/frame-pattern.ts): what `…`
 * allows and what it does not.
 */
import { describe, expect, it } from "vitest";
import { mismatch, parsePattern, shownFrames } from "../support/frame-pattern";

const matches = (pattern: string, value: unknown) => mismatch(parsePattern(pattern), value);

describe("frame patterns", () => {
	it("checks types, key order and event names", () => {
		const pattern = '{"event":"MessageAck","data":{"id":"0b9e…","seq":1,"sentAt":1795630009000}}';
		expect(matches(pattern, { event: "MessageAck", data: { id: "x", seq: 3, sentAt: 5 } })).toBeUndefined();
		expect(matches(pattern, { event: "Message", data: { id: "x", seq: 3, sentAt: 5 } })).toMatch(/\$\.event/);
		expect(matches(pattern, { event: "MessageAck", data: { seq: 3, id: "x", sentAt: 5 } })).toMatch(
			/keys id,seq,sentAt/,
		);
		expect(matches(pattern, { event: "MessageAck", data: { id: "x", seq: "3", sentAt: 5 } })).toMatch(/\$\.data\.seq/);
		expect(matches(pattern, { event: "MessageAck", data: { id: "x", seq: 3, sentAt: 5, duplicate: true } })).toMatch(
			/keys/,
		);
	});

	it("lets … stand for a value, more members or more items", () => {
		expect(matches('{"self":{…},"users":[…],"n":…}', { self: { a: 1 }, users: [1, 2], n: null })).toBeUndefined();
		expect(matches('{"a":1,…,"c":3}', { a: 1, b: 2, c: 3, d: 4 })).toBeUndefined();
		expect(matches('{"a":1,…,"c":3}', { c: 3, a: 1 })).toMatch(/keys/);
		expect(matches('[{"userId":"bob",…}]', [{ userId: "bob", name: "Bob" }])).toBeUndefined();
		expect(matches("[]", [1])).toMatch(/0 items/);
		expect(matches('[{"seq":1},…]', [{ seq: 1 }, { seq: 2 }])).toBeUndefined();
	});

	it("reads only the < and > lines of text blocks", () => {
		const markdown = ["```text", '> {"a":1}', "  … a note …", "< pong", "```", "```sh", "> not a frame", "```"].join(
			"\n",
		);
		expect(shownFrames(markdown)).toEqual([
			{ direction: ">", text: '{"a":1}', line: 2 },
			{ direction: "<", text: "pong", line: 4 },
		]);
	});
});
