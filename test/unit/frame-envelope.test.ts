/** The client frame envelope: JSON, eventType, event, requestId, top-level fields, and the parsed result. */
import { describe, expect, it } from "vitest";
import { parseClientFrame, parseClientValue, requestIdAtHead } from "../../src/protocol";
import { expectError, expectOk, frame, NO_ID, register, sendMessage } from "./frames";

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

describe("requestIdAtHead (for frames too large to parse)", () => {
	it("finds the requestId where clients put it, after eventType and event", () => {
		const text = `{"eventType":"ClientEvent","event":"SendMessage","requestId":"r9","requestData":{"message":"${"x".repeat(1e5)}"}}`;
		expect(requestIdAtHead(text)).toBe("r9");
		expect(requestIdAtHead(' { "requestId" : "first", "event": "X"')).toBe("first");
	});

	it("finds nothing when the requestId is not near the start, is nested, or is not a valid one", () => {
		expect(requestIdAtHead(`{"requestData":{"requestId":"inner"},"requestId":"outer"}`)).toBeUndefined();
		expect(requestIdAtHead(`{"eventType":"ClientEvent","requestData":{},"requestId":"late"}`)).toBeUndefined();
		expect(requestIdAtHead(`{"requestId":"${"x".repeat(65)}"}`)).toBeUndefined();
		expect(requestIdAtHead(`{"requestId":"\\ud800"}`)).toBeUndefined();
		expect(requestIdAtHead("not json")).toBeUndefined();
	});
});
