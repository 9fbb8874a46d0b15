/** The requestData of each client event: Register, SendMessage and Unregister. */
import { describe, expect, it } from "vitest";
import { parseClientFrame } from "../../src/protocol";
import { expectError, expectOk, frame, register, sendMessage } from "./frames";

/** A `meta` object whose JSON is `{"k":"<fill repeated n times>"}`. */
const metaOf = (fill: string, n: number) => ({ k: fill.repeat(n) });
/** `{"k":""}` is 8 bytes of JSON. */
const META_OVERHEAD = 8;

// ---- parseClientFrame: requestData as a whole -------------------------------

describe("parseClientFrame: requestData", () => {
	it.each([
		["an array", ["alice"]],
		["null", null],
		["a string", "alice"],
		["a number", 1],
		["a boolean", false],
	])("rejects requestData that is %s with BAD_REQUEST and echoes requestId", (_what, data) => {
		expectError(register(data), "BAD_REQUEST", "r1");
	});
});

// ---- parseClientFrame: Register ---------------------------------------------

describe("parseClientFrame: Register", () => {
	it("accepts a minimal Register", () => {
		expect(expectOk(register({ userId: "alice" })).requestData).toEqual({ userId: "alice" });
	});

	it("accepts every field at once", () => {
		const data = { userId: "alice", name: "Alice", meta: { color: "red" }, since: 3 };
		expect(expectOk(register(data)).requestData).toEqual(data);
	});

	it("allows a missing userId (the room demands it later, or takes it from the token)", () => {
		expect(expectOk(register({ name: "Alice" })).requestData).toEqual({ name: "Alice" });
	});

	it("allows a Register with no requestData at all at the schema level", () => {
		expect(expectOk(register(undefined)).requestData).toEqual({});
	});

	it("rejects an empty userId", () => {
		expectError(register({ userId: "" }), "BAD_REQUEST", "r1");
	});

	it("rejects a 65-character userId", () => {
		expectError(register({ userId: "u".repeat(65) }), "BAD_REQUEST", "r1");
	});

	it("accepts a 64-character userId", () => {
		expectOk(register({ userId: "u".repeat(64) }));
	});

	it("rejects a numeric userId", () => {
		expectError(register({ userId: 12 }), "BAD_REQUEST", "r1");
	});

	it("rejects a null userId", () => {
		expectError(register({ userId: null }), "BAD_REQUEST", "r1");
	});

	it("rejects an empty name", () => {
		expectError(register({ userId: "a", name: "" }), "BAD_REQUEST", "r1");
	});

	it("rejects a 65-character name", () => {
		expectError(register({ userId: "a", name: "n".repeat(65) }), "BAD_REQUEST", "r1");
	});

	it("accepts a 64-character name", () => {
		expectOk(register({ userId: "a", name: "n".repeat(64) }));
	});

	it("rejects a numeric name", () => {
		expectError(register({ userId: "a", name: 5 }), "BAD_REQUEST", "r1");
	});

	it.each([
		["an array", [1]],
		["null", null],
		["a string", "meta"],
		["a number", 3],
	])("rejects meta that is %s", (_what, meta) => {
		expectError(register({ userId: "a", meta }), "BAD_REQUEST", "r1");
	});

	it("accepts an empty meta object", () => {
		expect(expectOk(register({ userId: "a", meta: {} })).requestData).toEqual({ userId: "a", meta: {} });
	});

	it("accepts a nested meta object", () => {
		const meta = { a: { b: [1, 2, { c: null }] } };
		expect(expectOk(register({ userId: "a", meta })).requestData).toEqual({ userId: "a", meta });
	});

	it("accepts ASCII meta of exactly 1024 bytes as JSON", () => {
		const meta = metaOf("x", 1024 - META_OVERHEAD);
		expect(JSON.stringify(meta).length).toBe(1024);
		expectOk(register({ userId: "a", meta }));
	});

	it("rejects ASCII meta of 1025 bytes as JSON", () => {
		const meta = metaOf("x", 1025 - META_OVERHEAD);
		expectError(register({ userId: "a", meta }), "BAD_REQUEST", "r1");
	});

	it("counts 2-byte characters as 2 bytes: 1024 bytes accepted", () => {
		const meta = metaOf("é", (1024 - META_OVERHEAD) / 2);
		expect(new TextEncoder().encode(JSON.stringify(meta)).length).toBe(1024);
		expectOk(register({ userId: "a", meta }));
	});

	it("counts 2-byte characters as 2 bytes: 1026 bytes rejected though only 517 characters", () => {
		const meta = metaOf("é", (1024 - META_OVERHEAD) / 2 + 1);
		expect(JSON.stringify(meta).length).toBe(517);
		expectError(register({ userId: "a", meta }), "BAD_REQUEST", "r1");
	});

	it("counts 3-byte characters as 3 bytes", () => {
		// 8 + 3·338 + 2 = 1024 bytes; one more "x" is 1025.
		const atLimit = { k: `${"€".repeat(338)}xx` };
		const overLimit = { k: `${"€".repeat(338)}xxx` };
		expect(new TextEncoder().encode(JSON.stringify(atLimit)).length).toBe(1024);
		expectOk(register({ userId: "a", meta: atLimit }));
		expectError(register({ userId: "a", meta: overLimit }), "BAD_REQUEST", "r1");
	});

	it("counts astral characters (surrogate pairs) as 4 bytes", () => {
		const atLimit = metaOf("😀", (1024 - META_OVERHEAD) / 4);
		const overLimit = { k: `${"😀".repeat((1024 - META_OVERHEAD) / 4)}x` };
		expect(new TextEncoder().encode(JSON.stringify(atLimit)).length).toBe(1024);
		expectOk(register({ userId: "a", meta: atLimit }));
		expectError(register({ userId: "a", meta: overLimit }), "BAD_REQUEST", "r1");
	});

	it("measures meta as re-serialized JSON, not as sent (whitespace does not count)", () => {
		const meta = metaOf("x", 1024 - META_OVERHEAD);
		const text = `{"eventType":"ClientEvent","event":"Register","requestData":{"userId":"a","meta":{  "k"  :  "${meta.k}"  }}}`;
		expectOk(parseClientFrame(text));
	});

	it("accepts since = 0", () => {
		expect(expectOk(register({ userId: "a", since: 0 })).requestData).toEqual({ userId: "a", since: 0 });
	});

	it("accepts a large safe integer since", () => {
		expectOk(register({ userId: "a", since: Number.MAX_SAFE_INTEGER }));
	});

	it("rejects a negative since", () => {
		expectError(register({ userId: "a", since: -1 }), "BAD_REQUEST", "r1");
	});

	it("rejects a non-integer since", () => {
		expectError(register({ userId: "a", since: 1.5 }), "BAD_REQUEST", "r1");
	});

	it("rejects a string since", () => {
		expectError(register({ userId: "a", since: "3" }), "BAD_REQUEST", "r1");
	});

	it("rejects a null since", () => {
		expectError(register({ userId: "a", since: null }), "BAD_REQUEST", "r1");
	});

	it("rejects a since that JSON.parse turns into Infinity", () => {
		const text =
			'{"eventType":"ClientEvent","event":"Register","requestId":"r1","requestData":{"userId":"a","since":1e400}}';
		expectError(parseClientFrame(text), "BAD_REQUEST", "r1");
	});

	it("rejects an unknown field in requestData, naming it", () => {
		const error = expectError(register({ userId: "a", colour: "red" }), "BAD_REQUEST", "r1");
		expect(error.message).toContain("colour");
	});

	it("rejects a __proto__ key in requestData instead of ignoring it", () => {
		const text =
			'{"eventType":"ClientEvent","event":"Register","requestId":"r1","requestData":{"userId":"a","__proto__":{"x":1}}}';
		expectError(parseClientFrame(text), "BAD_REQUEST", "r1");
	});

	it("does not leak unknown fields into the parsed requestData", () => {
		const data = expectOk(register({ userId: "a" })).requestData;
		expect(Object.keys(data)).toEqual(["userId"]);
	});
});

// ---- parseClientFrame: SendMessage ------------------------------------------

describe("parseClientFrame: SendMessage", () => {
	it("rejects a missing message with BAD_REQUEST and echoes requestId", () => {
		expectError(sendMessage({}), "BAD_REQUEST", "r1");
	});

	it("rejects a SendMessage without requestData (message is required)", () => {
		expectError(sendMessage(undefined), "BAD_REQUEST", "r1");
	});

	it("says that message is required, not that it is unknown", () => {
		const error = expectError(sendMessage({}), "BAD_REQUEST", "r1");
		expect(error.message).toBe("message is required");
	});

	it.each([
		["null", null],
		["a number", 42],
		["a string", "hi"],
		["a boolean", false],
		["an empty string", ""],
		["an array", [1, "two", null]],
		["a nested object", { a: { b: [1, { c: "d" }] } }],
	])("accepts a message that is %s", (_what, message) => {
		expect(expectOk(sendMessage({ message })).requestData).toEqual({ message });
	});

	it("keeps message: null as a present field", () => {
		const data = expectOk(sendMessage({ message: null })).requestData;
		expect(data).toHaveProperty("message", null);
	});

	it("accepts to and clientMessageId", () => {
		const data = { message: "hi", to: "bob", clientMessageId: "c1" };
		expect(expectOk(sendMessage(data)).requestData).toEqual(data);
	});

	it("rejects an empty to", () => {
		expectError(sendMessage({ message: "hi", to: "" }), "BAD_REQUEST", "r1");
	});

	it("rejects a 65-character to", () => {
		expectError(sendMessage({ message: "hi", to: "u".repeat(65) }), "BAD_REQUEST", "r1");
	});

	it("rejects a numeric to", () => {
		expectError(sendMessage({ message: "hi", to: 3 }), "BAD_REQUEST", "r1");
	});

	it("rejects a null to", () => {
		expectError(sendMessage({ message: "hi", to: null }), "BAD_REQUEST", "r1");
	});

	it("rejects a 65-character clientMessageId", () => {
		expectError(sendMessage({ message: "hi", clientMessageId: "c".repeat(65) }), "BAD_REQUEST", "r1");
	});

	it("accepts a 64-character clientMessageId", () => {
		expectOk(sendMessage({ message: "hi", clientMessageId: "c".repeat(64) }));
	});

	it("rejects a numeric clientMessageId", () => {
		expectError(sendMessage({ message: "hi", clientMessageId: 1 }), "BAD_REQUEST", "r1");
	});

	it("rejects an unknown field in requestData, naming it", () => {
		const error = expectError(sendMessage({ message: "hi", bogus: 2 }), "BAD_REQUEST", "r1");
		expect(error.message).toContain("bogus");
	});
});

// ---- parseClientFrame: Unregister -------------------------------------------

describe("parseClientFrame: Unregister", () => {
	it("accepts Unregister with no requestData", () => {
		expect(expectOk(parseClientFrame(frame("Unregister"))).requestData).toEqual({});
	});

	it("accepts the smallest possible frame: Unregister with neither requestId nor requestData", () => {
		expect(parseClientFrame('{"eventType":"ClientEvent","event":"Unregister"}')).toEqual({
			ok: true,
			frame: { eventType: "ClientEvent", event: "Unregister", requestData: {} },
		});
	});

	it("accepts Unregister with an empty requestData", () => {
		expect(expectOk(parseClientFrame(frame("Unregister", {}))).requestData).toEqual({});
	});

	it("rejects Unregister with extra fields, naming the field", () => {
		const error = expectError(parseClientFrame(frame("Unregister", { userId: "a" })), "BAD_REQUEST", "r1");
		expect(error.message).toContain("userId");
	});

	it("rejects Unregister with requestData that is not an object", () => {
		expectError(parseClientFrame(frame("Unregister", [])), "BAD_REQUEST", "r1");
	});
});
