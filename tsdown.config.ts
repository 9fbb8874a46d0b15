/**
 * The installable package (`npm run build:client`): `edge-rooms/client`, `edge-rooms/react` and
 * `edge-rooms/server` as ESM with bundled `.d.ts` in dist/.
 *
 * Client and React: only the client's side of src/protocol (its constants and types) is reachable
 * from them, so the server's code (hono, valibot) stays out; partysocket and React stay external
 * (a dependency and an optional peer).
 *
 * Server: `cloudflare:workers` is the runtime's, and hono is a peer dependency, so that the user's
 * Hono app and the rooms app are one Hono. valibot is bundled: the schemas are internal (no
 * valibot type reaches the API), only what they use is taken, and an install for the browser
 * alone gains no dependency. mqtt-packet's parser (src/mqtt/packets.ts) is bundled too, with the
 * aliases wrangler.toml gives it, and its `require`s of Node's buffer and events turned into imports
 * of `node:buffer` and `node:events`: a Worker using edge-rooms/server needs `nodejs_compat`, no alias.
 */
import { defineConfig } from "tsdown";

const here = (path: string) => new URL(path, import.meta.url).pathname;

export default defineConfig([
	{
		entry: { client: "src/client/index.ts", react: "src/react/index.ts" },
		format: "esm",
		platform: "neutral",
		target: "es2022",
		outDir: "dist",
		clean: true,
		dts: { tsconfig: "tsconfig.client.json" },
		tsconfig: "tsconfig.client.json",
	},
	{
		entry: { server: "src/server/index.ts" },
		format: "esm",
		platform: "neutral",
		target: "es2022",
		outDir: "dist",
		clean: false,
		dts: { tsconfig: "tsconfig.server.json" },
		tsconfig: "tsconfig.server.json",
		alias: {
			bl: "bl/BufferList.js",
			debug: here("./src/mqtt/shims/debug.cjs"),
			buffer: here("./src/mqtt/shims/node-buffer.ts"),
			events: here("./src/mqtt/shims/node-events.ts"),
		},
		deps: {
			neverBundle: [/^cloudflare:/, /^node:/],
			alwaysBundle: [/^mqtt-packet\//],
			onlyBundle: ["valibot", "mqtt-packet", "bl"],
		},
	},
]);
