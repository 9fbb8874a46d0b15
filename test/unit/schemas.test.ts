import { describe, expect, it } from "vitest";
import {
	isValidRoomName,
	type ParsedFrame,
	parseClientFrame,
	parseClientValue,
	utf8ByteLength,
} from "../../src/protocol";
import { mulberry32 } from "../support/prng";

// ---- helpers ----------------------------------------------------------------

/** Pass as `requestId` to leave the field out (a default parameter would turn `undefined` into "r1"). */
const NO_ID = Symbol("no requestId");

/** A well-formed client frame as text; `requestData` is left out when undefined. */
function frame(event: unknown, requestData?: unknown, requestId: unknown = "r1"): string {
	return JSON.stringify({
		eventType: "ClientEvent",
		event,
		...(requestId === NO_ID ? {} : { requestId }),
		...(requestData === undefined ? {} : { requestData }),
	});
}

/** Asserts a rejection with `code`, and that `requestId` is echoed exactly when `echoed` is given. */
function expectError(result: ParsedFrame, code: string, echoed?: string): Extract<ParsedFrame, { ok: false }> {
	expect(result.ok).toBe(false);
	if (result.ok) throw new Error("unreachable");
	expect(result.code).toBe(code);
	expect(typeof result.message).toBe("string");
	expect(result.message.length).toBeGreaterThan(0);
	if (echoed === undefined) expect(result).not.toHaveProperty("requestId");
	else expect(result.requestId).toBe(echoed);
	return result;
}

function expectOk(result: ParsedFrame) {
	if (!result.ok) throw new Error(`expected ok, got ${result.code}: ${result.message}`);
	return result.frame;
}

const register = (data: unknown, requestId: unknown = "r1") => parseClientFrame(frame("Register", data, requestId));
const sendMessage = (data: unknown, requestId: unknown = "r1") =>
	parseClientFrame(frame("SendMessage", data, requestId));

/** A `meta` object whose JSON is `{"k":"<fill repeated n times>"}`. */
const metaOf = (fill: string, n: number) => ({ k: fill.repeat(n) });
/** `{"k":""}` is 8 bytes of JSON. */
const META_OVERHEAD = 8;

// ---- parseClientFrame: the envelope -----------------------------------------

describe("parseClientFrame: JSON and frame shape", () => {
	it("rejects text that is not JSON with BAD_JSON and no requestId", () => {
		expectError(parseClientFrame("{nope"), "BAD_JSON");
	});

	it("rejects an empty frame with BAD_JSON", () => {
		expectError(parseClientFrame(""), "BAD_JSON");
	});

	it("rejects the heartbeat text if it ever reaches the parser with BAD_JSON", () => {
		expectError(parseClientFrame("ping"), "BAD_JSON");
	});

	it("does not echo a requestId from a frame that is not valid JSON", () => {
		expectError(parseClientFrame('{"eventType":"ClientEvent","requestId":"r1",'), "BAD_JSON");
	});

	it.each([
		["an array", "[1,2]"],
		["null", "null"],
		["a number", "42"],
		["a string", '"str"'],
		["a boolean", "true"],
	])("rejects %s as a frame with BAD_REQUEST and no requestId", (_what, text) => {
		expectError(parseClientFrame(text), "BAD_REQUEST");
	});

	it("does not echo a requestId from inside an array frame", () => {
		expectError(parseClientFrame('[{"requestId":"r1"}]'), "BAD_REQUEST");
	});
});

describe("parseClientFrame: eventType", () => {
	it("rejects a wrong eventType with BAD_REQUEST and echoes requestId", () => {
		const text = JSON.stringify({
			eventType: "ServerEvent",
			event: "Register",
			requestId: "r1",
			requestData: { userId: "a" },
		});
		expectError(parseClientFrame(text), "BAD_REQUEST", "r1");
	});

	it("rejects a missing eventType with BAD_REQUEST and echoes requestId", () => {
		const text = JSON.stringify({ event: "Register", requestId: "r1", requestData: { userId: "a" } });
		expectError(parseClientFrame(text), "BAD_REQUEST", "r1");
	});

	it("is case-sensitive about eventType", () => {
		const text = JSON.stringify({ eventType: "clientevent", event: "Register", requestId: "r1" });
		expectError(parseClientFrame(text), "BAD_REQUEST", "r1");
	});

	it("rejects a non-string eventType with BAD_REQUEST and echoes requestId", () => {
		const text = JSON.stringify({ eventType: 1, event: "Register", requestId: "r1" });
		expectError(parseClientFrame(text), "BAD_REQUEST", "r1");
	});
});

describe("parseClientFrame: event", () => {
	it("rejects a numeric event with BAD_REQUEST and echoes requestId", () => {
		expectError(parseClientFrame(frame(7, {})), "BAD_REQUEST", "r1");
	});

	it("rejects a missing event with BAD_REQUEST and echoes requestId", () => {
		expectError(parseClientFrame(frame(undefined, {})), "BAD_REQUEST", "r1");
	});

	it("rejects a null event with BAD_REQUEST", () => {
		expectError(parseClientFrame(frame(null, {})), "BAD_REQUEST", "r1");
	});

	it("rejects an unknown event name with UNKNOWN_EVENT and echoes requestId", () => {
		expectError(parseClientFrame(frame("Explode", {})), "UNKNOWN_EVENT", "r1");
	});

	it("treats event names as case-sensitive", () => {
		expectError(parseClientFrame(frame("register", { userId: "a" })), "UNKNOWN_EVENT", "r1");
	});

	it("treats a server event name sent by a client as UNKNOWN_EVENT", () => {
		expectError(parseClientFrame(frame("Registered", {})), "UNKNOWN_EVENT", "r1");
	});

	it.each(["toString", "__proto__", "constructor", "hasOwnProperty"])(
		"does not mistake the inherited property %s for an event",
		(name) => {
			expectError(parseClientFrame(frame(name, {})), "UNKNOWN_EVENT", "r1");
		},
	);

	it("keeps the error message short for a huge unknown event name", () => {
		const error = expectError(parseClientFrame(frame("X".repeat(10_000), {})), "UNKNOWN_EVENT", "r1");
		expect(error.message.length).toBeLessThan(200);
	});
});

describe("parseClientFrame: requestId", () => {
	it("rejects a numeric requestId with BAD_REQUEST and does not echo it", () => {
		expectError(register({ userId: "a" }, 5), "BAD_REQUEST");
	});

	it("rejects a null requestId with BAD_REQUEST and does not echo it", () => {
		expectError(register({ userId: "a" }, null), "BAD_REQUEST");
	});

	it("rejects an object requestId with BAD_REQUEST and does not echo it", () => {
		expectError(register({ userId: "a" }, { id: "r1" }), "BAD_REQUEST");
	});

	it("rejects a 65-character requestId with BAD_REQUEST and does not echo it", () => {
		expectError(register({ userId: "a" }, "r".repeat(65)), "BAD_REQUEST");
	});

	it("accepts a requestId of exactly 64 characters and keeps it", () => {
		const id = "r".repeat(64);
		expect(expectOk(register({ userId: "a" }, id)).requestId).toBe(id);
	});

	it("accepts a frame without requestId", () => {
		expect(expectOk(register({ userId: "a" }, NO_ID))).not.toHaveProperty("requestId");
	});

	it("answers an error without requestId when the frame had none", () => {
		expectError(register({ userId: "" }, NO_ID), "BAD_REQUEST");
	});

	it("reports a bad requestId before any other problem (and still does not echo)", () => {
		const text = JSON.stringify({ eventType: "nope", event: 7, requestId: 5, extra: true });
		expectError(parseClientFrame(text), "BAD_REQUEST");
	});

	it("echoes a valid requestId on an error found later in the frame", () => {
		expectError(register({ userId: "" }, "abc-123"), "BAD_REQUEST", "abc-123");
	});
});

describe("parseClientFrame: top-level fields", () => {
	it("rejects an unknown top-level field with BAD_REQUEST, echoing requestId and naming the field", () => {
		const text = JSON.stringify({ eventType: "ClientEvent", event: "Unregister", requestId: "r1", extra: 1 });
		const error = expectError(parseClientFrame(text), "BAD_REQUEST", "r1");
		expect(error.message).toContain("extra");
	});

	it("rejects the server's `data` field in a client frame", () => {
		const text = JSON.stringify({ eventType: "ClientEvent", event: "Unregister", requestId: "r1", data: {} });
		expectError(parseClientFrame(text), "BAD_REQUEST", "r1");
	});

	it("rejects a __proto__ key at the top level instead of ignoring it", () => {
		const text = '{"eventType":"ClientEvent","event":"Unregister","requestId":"r1","__proto__":{"x":1}}';
		expectError(parseClientFrame(text), "BAD_REQUEST", "r1");
	});
});

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

// ---- parseClientFrame: output shape -----------------------------------------

describe("parseClientFrame: the parsed frame", () => {
	it("has eventType, event, requestId and requestData when a requestId was given", () => {
		const result = register({ userId: "alice", name: "Alice" }, "r9");
		expect(result).toEqual({
			ok: true,
			frame: {
				eventType: "ClientEvent",
				event: "Register",
				requestId: "r9",
				requestData: { userId: "alice", name: "Alice" },
			},
		});
	});

	it("has no requestId key at all when none was given", () => {
		const parsed = expectOk(register({ userId: "alice" }, NO_ID));
		expect(parsed).not.toHaveProperty("requestId");
		expect(Object.keys(parsed).sort()).toEqual(["event", "eventType", "requestData"]);
	});

	it("keeps an empty-string requestId (the contract only bounds its length)", () => {
		expect(expectOk(register({ userId: "alice" }, ""))).toHaveProperty("requestId", "");
	});

	it("gives SendMessage its own event name and data", () => {
		expect(expectOk(sendMessage({ message: { t: 1 }, to: "bob" }, "m1"))).toEqual({
			eventType: "ClientEvent",
			event: "SendMessage",
			requestId: "m1",
			requestData: { message: { t: 1 }, to: "bob" },
		});
	});

	it("gives Unregister an empty requestData even when it was absent", () => {
		expect(expectOk(parseClientFrame(frame("Unregister", undefined, "u1")))).toEqual({
			eventType: "ClientEvent",
			event: "Unregister",
			requestId: "u1",
			requestData: {},
		});
	});

	it("accepts the example frame from PROTOCOL.md", () => {
		const text =
			'{"eventType":"ClientEvent","event":"Register","requestId":"r1","requestData":{"userId":"alice","name":"Alice"}}';
		expect(expectOk(parseClientFrame(text))).toEqual({
			eventType: "ClientEvent",
			event: "Register",
			requestId: "r1",
			requestData: { userId: "alice", name: "Alice" },
		});
	});

	it("accepts the envelope fields in any order", () => {
		const text = '{"requestData":{"userId":"a"},"requestId":"r1","event":"Register","eventType":"ClientEvent"}';
		expect(expectOk(parseClientFrame(text)).event).toBe("Register");
	});
});

// ---- parseClientValue -------------------------------------------------------

describe("parseClientValue", () => {
	it("checks an already-parsed value like parseClientFrame does", () => {
		const value = { eventType: "ClientEvent", event: "Register", requestId: "r1", requestData: { userId: "a" } };
		expect(parseClientValue(value)).toEqual(parseClientFrame(JSON.stringify(value)));
	});

	it.each([
		["undefined", undefined],
		["null", null],
		["an array", []],
		["a string", "Register"],
		["a number", 0],
	])("rejects %s with BAD_REQUEST and no requestId", (_what, value) => {
		expectError(parseClientValue(value), "BAD_REQUEST");
	});

	it("never answers BAD_JSON (there is no JSON to be bad)", () => {
		const result = parseClientValue("{nope");
		expectError(result, "BAD_REQUEST");
	});

	it("treats an explicitly undefined requestId as absent", () => {
		const parsed = expectOk(parseClientValue({ eventType: "ClientEvent", event: "Unregister", requestId: undefined }));
		expect(parsed).not.toHaveProperty("requestId");
	});

	it("treats an explicitly undefined requestData as {}", () => {
		const parsed = expectOk(
			parseClientValue({ eventType: "ClientEvent", event: "Unregister", requestData: undefined }),
		);
		expect(parsed.requestData).toEqual({});
	});

	it("rejects an unknown event with UNKNOWN_EVENT and echoes requestId", () => {
		expectError(parseClientValue({ eventType: "ClientEvent", event: "Nope", requestId: "x" }), "UNKNOWN_EVENT", "x");
	});
});

// ---- utf8ByteLength ---------------------------------------------------------

describe("utf8ByteLength", () => {
	const encoded = (s: string) => new TextEncoder().encode(s).length;

	it.each([
		["the empty string", "", 0],
		["ASCII", "hello, world", 12],
		["a NUL character", "\u0000", 1],
		["the last 1-byte character U+007F", "\u007f", 1],
		["the first 2-byte character U+0080", "\u0080", 2],
		["2-byte characters", "éñü", 6],
		["the last 2-byte character U+07FF", "\u07ff", 2],
		["the first 3-byte character U+0800", "\u0800", 3],
		["3-byte characters", "€中文", 9],
		["U+FFFF", "\uffff", 3],
		["a surrogate pair (emoji)", "😀", 4],
		["the first astral character U+10000", "\u{10000}", 4],
		["the last code point U+10FFFF", "\u{10ffff}", 4],
		["a mix", "a é € 😀", 13],
	])("counts %s", (_what, text, bytes) => {
		expect(utf8ByteLength(text)).toBe(bytes);
		expect(utf8ByteLength(text)).toBe(encoded(text));
	});

	it.each([
		["a lone high surrogate", "\ud800"],
		["a lone low surrogate", "\udc00"],
		["a high surrogate at the end", "ab\udbff"],
		["a high surrogate followed by ASCII", "\ud83dx"],
		["two high surrogates", "\ud83d\ud83d"],
		["a reversed pair (low then high)", "\ude00\ud83d"],
		["a lone high surrogate before a valid pair", "\ud800😀"],
		["a valid pair followed by a lone low surrogate", "😀\ude00"],
	])("counts %s as TextEncoder does (3 bytes of U+FFFD each)", (_what, text) => {
		expect(utf8ByteLength(text)).toBe(encoded(text));
	});

	it("agrees with TextEncoder on 2000 random strings (seeded)", () => {
		const random = mulberry32(0x5eed);
		const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
		// Code unit ranges, surrogates included on purpose so that pairs, lone halves and
		// reversed pairs all occur.
		const ranges: readonly [number, number][] = [
			[0x00, 0x7f],
			[0x80, 0x7ff],
			[0x800, 0xd7ff],
			[0xd800, 0xdbff],
			[0xdc00, 0xdfff],
			[0xe000, 0xffff],
		];
		for (let n = 0; n < 2000; n++) {
			let text = "";
			const length = Math.floor(random() * 40);
			for (let i = 0; i < length; i++) {
				if (random() < 0.15) {
					text += String.fromCodePoint(0x10000 + Math.floor(random() * 0x100000));
				} else {
					const [lo, hi] = pick(ranges);
					text += String.fromCharCode(lo + Math.floor(random() * (hi - lo + 1)));
				}
			}
			const expected = encoded(text);
			if (utf8ByteLength(text) !== expected) {
				throw new Error(`mismatch for ${JSON.stringify(text)}: ${utf8ByteLength(text)} != ${expected}`);
			}
		}
	});
});

// ---- isValidRoomName --------------------------------------------------------

describe("isValidRoomName", () => {
	it.each(["a", "Z", "0", "lobby", "Room-1", "my_room.v2", "a.b_c-d", "a..", "a__", "a--", "9lives", "ABCxyz0189"])(
		"accepts %j",
		(name) => {
			expect(isValidRoomName(name)).toBe(true);
		},
	);

	it("accepts a name of exactly 64 characters", () => {
		expect(isValidRoomName("r".repeat(64))).toBe(true);
	});

	it("rejects a name of 65 characters", () => {
		expect(isValidRoomName("r".repeat(65))).toBe(false);
	});

	it("rejects the empty string", () => {
		expect(isValidRoomName("")).toBe(false);
	});

	it.each([".room", "_room", "-room", ".", "_", "-", ".."])(
		"rejects %j, which does not start with a letter or digit",
		(name) => {
			expect(isValidRoomName(name)).toBe(false);
		},
	);

	it.each([
		["a space", "my room"],
		["a slash", "a/b"],
		["a backslash", "a\\b"],
		["a percent sign", "a%20b"],
		["a colon", "a:b"],
		["a plus", "a+b"],
		["a tilde", "a~b"],
		["a trailing newline", "room\n"],
		["a leading space", " room"],
		["a NUL character", "room\u0000"],
	])("rejects a name with %s", (_what, name) => {
		expect(isValidRoomName(name)).toBe(false);
	});

	it.each([
		["an accented letter", "café"],
		["a Greek letter", "αβγ"],
		["a CJK character", "部屋"],
		["an emoji", "room😀"],
		["a fullwidth digit", "１"],
		["a Kelvin sign (case-folds to k)", "\u212a"],
	])("rejects unicode: %s", (_what, name) => {
		expect(isValidRoomName(name)).toBe(false);
	});
});
