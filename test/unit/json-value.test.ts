import { describe, expect, it } from "vitest";
import { jsonValueProblem } from "../../src/protocol";

/** `levels` nested arrays around `inner`. */
function nestedArrays(levels: number, inner: unknown = 0): unknown {
	let value = inner;
	for (let i = 0; i < levels; i++) value = [value];
	return value;
}

function nestedObjects(levels: number): unknown {
	let value: unknown = "leaf";
	for (let i = 0; i < levels; i++) value = { next: value };
	return value;
}

describe("jsonValueProblem", () => {
	it.each([
		["a string", "hello"],
		["null", null],
		["a boolean", false],
		["zero and negative zero", [0, -0]],
		["the largest double", Number.MAX_VALUE],
		["an empty object", {}],
		["64 levels of arrays", nestedArrays(64)],
		["64 levels of objects", nestedObjects(64)],
		["64 levels mixing both", { a: nestedArrays(62, { b: 1 }) }],
		["a wide object", Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i]))],
	])("accepts %s", (_, value) => {
		expect(jsonValueProblem(value)).toBeUndefined();
	});

	it.each([
		["65 levels of arrays", nestedArrays(65)],
		["65 levels of objects", nestedObjects(65)],
		["65 levels with the deepest one empty", nestedArrays(64, [])],
		["65 levels mixing both", { a: nestedArrays(63, { b: 1 }) }],
		["a deep branch beside shallow ones", [1, 2, { x: nestedArrays(70) }, "z"]],
	])("refuses %s as too deep", (_, value) => {
		expect(jsonValueProblem(value)).toBe("nests deeper than 64 levels");
	});

	it.each([
		["Infinity (what 1e309 parses as)", JSON.parse("1e309")],
		["-Infinity", Number.NEGATIVE_INFINITY],
		["NaN", Number.NaN],
		["Infinity deep inside", { a: [1, { b: [Number.POSITIVE_INFINITY] }] }],
	])("refuses %s as out of range", (_, value) => {
		expect(jsonValueProblem(value)).toMatch(/out of range/);
	});

	it("walks a million levels without overflowing the stack", () => {
		const value = JSON.parse(`${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}`);
		expect(jsonValueProblem(value)).toBe("nests deeper than 64 levels");
		expect(() => JSON.stringify(value)).toThrow(RangeError);
	});

	it("takes another depth when asked", () => {
		expect(jsonValueProblem(nestedArrays(3), 2)).toBe("nests deeper than 2 levels");
		expect(jsonValueProblem(nestedArrays(2), 2)).toBeUndefined();
	});
});
