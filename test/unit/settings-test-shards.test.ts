/**
 * TEST_SHARD_CONNECTIONS: the one way below SHARD_CONNECTIONS's floor of 100, for the workerd-shards
 * project only. No deployment can set it by accident: it is not a variable of `Env`, wrangler.toml
 * and the docs never name it, and no pinned set but that project's test bindings holds it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { DEFAULT_SETTINGS, readSettings, TEST_SHARD_CONNECTIONS } from "../../src/settings";
import * as pinned from "../support/pinned-vars";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

describe("TEST_SHARD_CONNECTIONS", () => {
	it("sets SHARD_CONNECTIONS to any positive integer, below the floor too, and a bad value changes nothing", () => {
		const warn = vi.fn();
		expect(readSettings({ [TEST_SHARD_CONNECTIONS]: "2" } as never, warn).shardConnections).toBe(2);
		expect(
			readSettings({ SHARD_CONNECTIONS: "0", [TEST_SHARD_CONNECTIONS]: "3" } as never, warn).shardConnections,
		).toBe(3);
		expect(readSettings({ [TEST_SHARD_CONNECTIONS]: "0" } as never, warn)).toEqual(DEFAULT_SETTINGS);
		expect(readSettings({ [TEST_SHARD_CONNECTIONS]: "" } as never, warn)).toEqual(DEFAULT_SETTINGS);
		expect(warn).not.toHaveBeenCalled();
	});

	it("is named by no deployment: not in Env, wrangler.toml, the docs or a pinned set of Worker variables", () => {
		expect(readFileSync(join(root, "src/env.ts"), "utf8")).not.toContain(TEST_SHARD_CONNECTIONS);
		expect(readFileSync(join(root, "wrangler.toml"), "utf8")).not.toContain(TEST_SHARD_CONNECTIONS);
		for (const file of readdirSync(join(root, "docs"))) {
			if (file.endsWith(".md"))
				expect(readFileSync(join(root, "docs", file), "utf8")).not.toContain(TEST_SHARD_CONNECTIONS);
		}
		for (const [name, value] of Object.entries(pinned)) {
			if (name === "WORKERD_SHARDS_TEST_BINDINGS" || typeof value !== "object") continue;
			expect(Object.keys(value as object), name).not.toContain(TEST_SHARD_CONNECTIONS);
		}
	});
});
