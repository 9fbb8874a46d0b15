/**
 * The room's MQTT topics (src/mqtt/topics.ts): MQTT 3.1.1 filter validity and matching, what a
 * SUBSCRIBE is granted, the QoS a topic is delivered at, and what a PUBLISH's topic name means.
 */
import { describe, expect, it } from "vitest";
import { filterMatches, grantFor, publishTarget, topicQos, validFilter } from "../../src/mqtt/topics";

describe("validFilter", () => {
	it.each([
		"messages",
		"messages/ann",
		"#",
		"+",
		"messages/#",
		"+/ann",
		"+/+",
		"/",
		"messages/",
		"/#",
		"sport/+/player1",
		"zoë/ü",
		"x".repeat(65_535),
	])("accepts %j", (filter) => expect(validFilter(filter)).toBe(true));

	it.each([
		"",
		"messages#",
		"messages/#/ann",
		"#/",
		"mess+ages",
		"messages/a+",
		"++",
		"a\u0000b",
		"x".repeat(65_536),
		"é".repeat(32_768),
	])("refuses %j", (filter) => expect(validFilter(filter)).toBe(false));
});

describe("filterMatches", () => {
	it.each([
		["messages", "messages", true],
		["messages", "messages/ann", false],
		["messages/ann", "messages/ann", true],
		["messages/ann", "messages/bob", false],
		["messages/+", "messages/ann", true],
		["messages/+", "messages", false],
		["messages/+", "messages/a/b", false],
		["messages/#", "messages", true],
		["messages/#", "messages/a/b", true],
		["messages/#", "signals", false],
		["#", "presence", true],
		["+", "signals", true],
		["+", "messages/ann", false],
		["+/+", "messages/ann", true],
		["+/ann", "messages/ann", true],
		["+/#", "messages", true],
		["Messages", "messages", false],
		["#", "$SYS/x", false],
		["+/x", "$SYS/x", false],
		["$SYS/#", "$SYS/x", true],
	])("%j against %j: %s", (filter, name, matches) => expect(filterMatches(filter, name)).toBe(matches));
});

describe("grantFor", () => {
	it.each([
		["messages", 1, 1],
		["messages", 2, 1],
		["messages", 0, 0],
		["messages/ann", 1, 1],
		["messages/+", 2, 1],
		["messages/#", 1, 1],
		["signals", 1, 0],
		["presence", 2, 0],
		["#", 2, 1],
		["+", 1, 1],
		["+/ann", 1, 1],
		["messages/bob", 1, 0x80],
		["foo", 0, 0x80],
		["+/+/+", 1, 0x80],
		["messages/ann/x", 1, 0x80],
		["messages/#/x", 1, 0x80],
	])("%j at QoS %i for ann: %i", (filter, qos, granted) => expect(grantFor(filter, qos, "ann")).toBe(granted));

	it("matches a user id with '/' level by level, and gives a user id with '+' or '#' no direct topic", () => {
		expect(grantFor("messages/a/b", 1, "a/b")).toBe(1);
		expect(grantFor("messages/a/+", 1, "a/b")).toBe(1);
		expect(grantFor("messages/+", 1, "a/b")).toBe(0x80);
		expect(grantFor("messages/#", 1, "a/b")).toBe(1);
		expect(grantFor("messages/+", 1, "a+b")).toBe(0x80);
		expect(grantFor("messages/#", 1, "a+b")).toBe(1); // it still matches `messages`
	});
});

describe("topicQos", () => {
	it("takes the highest of the matching filters, capped by the topic", () => {
		const subscriptions = [
			["messages", 0],
			["messages/#", 1],
			["#", 1],
		] as const;
		expect(topicQos(subscriptions, "messages", "ann")).toBe(1);
		expect(topicQos(subscriptions, "direct", "ann")).toBe(1);
		expect(topicQos(subscriptions, "signals", "ann")).toBe(0);
		expect(topicQos(subscriptions, "presence", "ann")).toBe(0);
	});

	it("is -1 where no filter matches", () => {
		expect(topicQos([["messages", 1]], "direct", "ann")).toBe(-1);
		expect(topicQos([["messages/ann", 1]], "messages", "ann")).toBe(-1);
		expect(topicQos([["messages/bob", 1]], "direct", "ann")).toBe(-1);
		expect(topicQos([], "presence", "ann")).toBe(-1);
		expect(topicQos([["messages/+", 0]], "direct", "ann")).toBe(0);
	});

	it("gives no direct topic to a user whose id cannot be in a topic name", () => {
		expect(topicQos([["#", 1]], "direct", "a#b")).toBe(-1);
		expect(topicQos([["#", 1]], "direct", "a/b")).toBe(1);
		expect(topicQos([["messages/+", 1]], "direct", "a/b")).toBe(-1);
	});
});

describe("publishTarget", () => {
	it.each([
		["messages", { kind: "messages" }],
		["signals", { kind: "signals" }],
		["messages/bob", { kind: "direct", to: "bob" }],
		["messages/a/b", { kind: "direct", to: "a/b" }],
		[`messages/${"u".repeat(64)}`, { kind: "direct", to: "u".repeat(64) }],
		[`messages/${"u".repeat(65)}`, undefined],
		["messages/", undefined],
		["presence", undefined],
		["messages/+", undefined],
		["messages/#", undefined],
		["#", undefined],
		["signals/x", undefined],
		["Messages", undefined],
		["/messages", undefined],
	])("%j: %j", (name, target) => expect(publishTarget(name)).toEqual(target));
});
