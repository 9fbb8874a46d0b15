/** `versionAtLeast`: protocol versions compared part by part as numbers, anything else not later. */
import { describe, expect, it } from "vitest";
import { versionAtLeast } from "../../src/protocol/version";

describe("versionAtLeast", () => {
	it.each([
		["1.2", "1.2"],
		["1.3", "1.2"],
		["1.10", "1.2"],
		["1.2.0", "1.2"],
		["1.2.1", "1.2"],
		["2", "1.2"],
		["10.0", "9.9"],
	])("%s is at least %s", (version, minimum) => {
		expect(versionAtLeast(version, minimum)).toBe(true);
	});

	it.each([
		["1.1", "1.2"],
		["1", "1.2"],
		["1.1.99", "1.2"],
		["0.12", "1.2"],
		["1.2", "1.2.1"],
	])("%s is before %s", (version, minimum) => {
		expect(versionAtLeast(version, minimum)).toBe(false);
	});

	it.each([["1.2-beta"], ["v1.2"], [""], [" 1.2"], ["1..2"], ["1.2."], [1.2], [null], [undefined], [{}]])(
		"%j is not known to be later",
		(version) => {
			expect(versionAtLeast(version, "1.0")).toBe(false);
		},
	);
});
