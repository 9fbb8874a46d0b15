/** Runs bench/probes/workerd/*.probe.ts inside workerd, with the project's wrangler.toml (not part of `npm test`). */
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
	plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" } })],
	test: { name: "probes", include: ["bench/probes/workerd/*.probe.ts"], testTimeout: 120_000 },
});
