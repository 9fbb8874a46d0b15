/**
 * docs/PROTOCOL.md is the repository's copy of the shared contract, so that a clone has it.
 * Where the shared original sits beside the repository (as in CI), the copy must match it.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const copy = fileURLToPath(new URL("../../docs/PROTOCOL.md", import.meta.url));
const shared = fileURLToPath(new URL("../../../shared/PROTOCOL.md", import.meta.url));

describe("docs/PROTOCOL.md", () => {
	it("is the contract, version 1", () => {
		expect(readFileSync(copy, "utf8")).toMatch(/^# Room protocol, version 1/);
	});

	it.runIf(existsSync(shared))("matches the shared contract beside the repository", () => {
		expect(readFileSync(copy, "utf8")).toBe(readFileSync(shared, "utf8"));
	});
});
