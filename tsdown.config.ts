/**
 * The installable package (`npm run build:client`): `edge-rooms/client` and `edge-rooms/react` as
 * ESM with bundled `.d.ts` in dist/. Only the client's side of src/protocol (its constants and types)
 * is reachable from these entries, so the server's code (hono, valibot) stays out; partysocket and
 * React stay external (a dependency and an optional peer).
 */
import { defineConfig } from "tsdown";

export default defineConfig({
	entry: { client: "src/client/index.ts", react: "src/react/index.ts" },
	format: "esm",
	platform: "neutral",
	target: "es2022",
	outDir: "dist",
	clean: true,
	dts: { tsconfig: "tsconfig.client.json" },
	tsconfig: "tsconfig.client.json",
});
