import { createRequire } from "node:module";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import type { Plugin } from "vite";
import { defineConfig } from "vitest/config";
import {
	TEST_WEBHOOK_SECRET,
	WORKERD_BATCH_VARS,
	WORKERD_EVENTS_SHARDS_VARS,
	WORKERD_EVENTS_VARS,
	WORKERD_HOOKS_VARS,
	WORKERD_LIMITS_VARS,
	WORKERD_LOAD_VARS,
	WORKERD_PRESENCE_VARS,
	WORKERD_SHARDS_TEST_BINDINGS,
	WORKERD_SHARDS_VARS,
	WORKERD_VARS,
} from "./test/support/pinned-vars";
import { webhookReceiver } from "./test/workerd-events/webhook-receiver";

/**
 * wrangler.toml's [alias] for mqtt-packet (src/mqtt/packets.ts): the workers plugin reads that file
 * but not its aliases, and resolves a CommonJS require through the plugins, not `resolve.alias`.
 */
const resolveHere = createRequire(import.meta.url).resolve;
const mqttPacketAliases: Plugin = {
	name: "mqtt-packet-aliases",
	enforce: "pre",
	resolveId(specifier) {
		if (specifier === "bl") return resolveHere("bl/BufferList.js");
		if (specifier === "debug") return resolveHere("./src/mqtt/shims/debug.cjs");
		return undefined;
	},
};

export default defineConfig({
	// Root plugins: the workers plugin resolves what workerd asks for at run time through the root's Vite.
	plugins: [mqttPacketAliases],
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
				// The Worker and the Room object inside workerd, through miniflare. Each workerd project pins
				// every Worker variable (test/support/pinned-vars.ts), so the developer's files do not count.
				plugins: [
					cloudflareTest({
						wrangler: { configPath: "./wrangler.toml" },
						// These bindings win over .dev.vars, .env and wrangler.toml [vars], which wrangler's config also reads.
						miniflare: {
							bindings: {
								...WORKERD_VARS,
								FUZZ_FRAMES: process.env.FUZZ_FRAMES ?? "",
								FUZZ_SEED: process.env.FUZZ_SEED ?? "",
							},
						},
					}),
				],
				test: { name: "workerd", include: ["test/workerd/**/*.test.ts"] },
			},
			{
				// Presence 1.1 at its defaults: leave grace (moved through by the injected clock) and modes.
				plugins: [
					cloudflareTest({
						wrangler: { configPath: "./wrangler.toml" },
						miniflare: { bindings: { ...WORKERD_PRESENCE_VARS } },
					}),
				],
				test: { name: "workerd-presence", include: ["test/workerd-presence/**/*.test.ts"] },
			},
			{
				// The same, with every access control and limit switched on.
				plugins: [
					cloudflareTest({
						wrangler: { configPath: "./wrangler.toml" },
						miniflare: { bindings: { ...WORKERD_LIMITS_VARS } },
					}),
				],
				test: { name: "workerd-limits", include: ["test/workerd-limits/**/*.test.ts"] },
			},
			{
				// The room's own bounds (1.2): its delivery budget and its roster, with small limits.
				plugins: [
					cloudflareTest({
						wrangler: { configPath: "./wrangler.toml" },
						miniflare: { bindings: { ...WORKERD_LOAD_VARS } },
					}),
				],
				test: { name: "workerd-load", include: ["test/workerd-load/**/*.test.ts"] },
			},
			{
				// Batched frames (1.2), with a hold long enough to see and a backlog bound small enough to reach.
				plugins: [
					cloudflareTest({
						wrangler: { configPath: "./wrangler.toml" },
						miniflare: { bindings: { ...WORKERD_BATCH_VARS } },
					}),
				],
				test: { name: "workerd-batch", include: ["test/workerd-batch/**/*.test.ts"] },
			},
			{
				// A room over several objects (1.3), with objects small enough to fill in a test.
				plugins: [
					cloudflareTest({
						wrangler: { configPath: "./wrangler.toml" },
						miniflare: { bindings: { ...WORKERD_SHARDS_VARS, ...WORKERD_SHARDS_TEST_BINDINGS } },
					}),
				],
				test: { name: "workerd-shards", include: ["test/workerd-shards/**/*.test.ts"] },
			},
			{
				// The rooms library (edge-rooms/server) inside a Worker of its own: hooks, a mounted app, getRoom.
				plugins: [
					cloudflareTest({
						wrangler: { configPath: "./test/workerd-hooks/wrangler.toml" },
						miniflare: { bindings: { ...WORKERD_HOOKS_VARS } },
					}),
				],
				test: { name: "workerd-hooks", include: ["test/workerd-hooks/**/*.test.ts"] },
			},
			{
				// Room events (1.4): a Worker with a Queue it consumes, and a webhook receiver in this process.
				plugins: [
					cloudflareTest({
						wrangler: { configPath: "./test/workerd-events/wrangler.toml" },
						miniflare: { bindings: { ...WORKERD_EVENTS_VARS }, outboundService: webhookReceiver(TEST_WEBHOOK_SECRET) },
					}),
				],
				test: { name: "workerd-events", include: ["test/workerd-events/**/*.test.ts"], testTimeout: 15_000 },
			},
			{
				// The same tests in rooms over objects of 2, without message.created.
				plugins: [
					cloudflareTest({
						wrangler: { configPath: "./test/workerd-events/wrangler.toml" },
						miniflare: {
							bindings: { ...WORKERD_EVENTS_SHARDS_VARS, ...WORKERD_SHARDS_TEST_BINDINGS },
							outboundService: webhookReceiver(TEST_WEBHOOK_SECRET),
						},
					}),
				],
				test: { name: "workerd-events-shards", include: ["test/workerd-events/**/*.test.ts"], testTimeout: 15_000 },
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
