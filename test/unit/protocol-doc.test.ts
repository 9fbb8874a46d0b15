/**
 * docs/PROTOCOL.md is the repository's copy of the shared contract, so that a clone has it.
 * Where the shared original sits beside the repository (as in CI), the copy must match it.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const repository = join(dirname(fileURLToPath(import.meta.url)), "../..");
const copy = join(repository, "docs/PROTOCOL.md");
const shared = join(repository, "../shared/PROTOCOL.md");

describe("docs/PROTOCOL.md", () => {
	it("is the contract, versions 1.1 and on", () => {
		expect(readFileSync(copy, "utf8")).toMatch(/^# Room protocol, versions 1\.1 to /);
	});

	it.runIf(existsSync(shared))("matches the shared contract beside the repository", () => {
		expect(readFileSync(copy, "utf8")).toBe(readFileSync(shared, "utf8"));
	});
});
