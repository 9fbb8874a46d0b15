import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
	test: {
		projects: [
			{
				// Pure logic: plain Node, no runtime.
				test: { name: "unit", include: ["test/unit/**/*.test.ts"] },
			},
			{
				// The browser client library against a WebSocket double, on fake timers.
				test: { name: "client", include: ["test/client/**/*.test.ts"] },
			},
			{
				// The Worker and the Room object inside workerd, through miniflare.
				plugins: [
					cloudflareTest({
						wrangler: { configPath: "./wrangler.toml" },
						// A history small enough that tests can fill it (still above the 100 a resume returns),
						// and no rate limit in the way of tests that send fast; test/workerd-limits covers both.
						miniflare: {
							bindings: {
								HISTORY_LIMIT: "120",
								RATE_LIMIT: "1000000",
								FUZZ_FRAMES: process.env.FUZZ_FRAMES ?? "",
								FUZZ_SEED: process.env.FUZZ_SEED ?? "",
							},
						},
					}),
				],
				test: { name: "workerd", include: ["test/workerd/**/*.test.ts"] },
			},
			{
				// The same, with every access control and limit switched on (the values in test/support/tokens.ts).
				plugins: [
					cloudflareTest({
						wrangler: { configPath: "./wrangler.toml" },
						miniflare: {
							bindings: {
								AUTH_SECRET: "test-secret-do-not-use-in-production-0123456789",
								PUBLISH_KEY: "test-publish-key-0123456789abcdef",
								ALLOWED_ORIGINS: "https://app.example, http://localhost:8787",
								MAX_CONNECTIONS: "3",
								MAX_CONNECTIONS_PER_USER: "2",
								MAX_MESSAGE_BYTES: "4096",
								IDLE_SWEEP_SECONDS: "90",
							},
						},
					}),
				],
				test: { name: "workerd-limits", include: ["test/workerd-limits/**/*.test.ts"] },
			},
			{
				// The real `wrangler dev`, driven by real WebSocket clients over loopback.
				test: {
					name: "e2e",
					include: ["test/e2e/**/*.test.ts"],
					// One `wrangler dev` for all e2e files, its URL handed to them with `inject("baseUrl")`.
					globalSetup: ["test/e2e/global-setup.ts"],
					testTimeout: 60_000,
					hookTimeout: 120_000,
				},
			},
		],
	},
});
