/**
 * The installable package, as another project gets it: packed, installed from the tarball, imported
 * and run under Node against the real `wrangler dev`, type-checked under `nodenext` and `bundler`,
 * and measured (min+gz) as a page would bundle it. See packed.ts and consumer-files.ts.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { describeSize, measureBundle } from "../../../scripts/package/client-size.ts";
import { randomRoom } from "../../support/client";
import { CONSUMER_SOURCE, JOIN_SCRIPT, TSCONFIGS } from "./consumer-files";
import { type InstalledPackage, packAndInstall, TSC } from "./packed";

let installed: InstalledPackage;

beforeAll(async () => {
	installed = await packAndInstall();
}, 180_000);

afterAll(() => installed?.remove());

describe("the packed package", () => {
	it("installs without engine warnings (the repository's Node requirement is its own)", () => {
		expect(installed.installOutput).not.toMatch(/EBADENGINE/);
	});

	it("holds dist, README, LICENSE and package.json only", () => {
		console.log(`tarball:\n  ${installed.files.join("\n  ")}`);
		for (const file of installed.files)
			expect(file).toMatch(/^(dist\/[\w.-]+\.(js|d\.ts)|README\.md|LICENSE|package\.json)$/);
		expect(installed.files).toEqual(
			expect.arrayContaining([
				"LICENSE",
				"README.md",
				"dist/client.d.ts",
				"dist/client.js",
				"dist/react.d.ts",
				"dist/react.js",
				"dist/server.d.ts",
				"dist/server.js",
			]),
		);
	});

	it("imports and talks to a real room under Node (its global WebSocket, through partysocket)", async () => {
		await installed.write("join.mjs", JOIN_SCRIPT);
		const room = randomRoom();
		const output = await installed.exec(process.execPath, ["join.mjs", inject("baseUrl"), room]);
		const result = JSON.parse(output) as {
			client: string[];
			react: string[];
			seq: number;
			users: string[];
			state: string;
		};
		expect(result.client).toEqual(["ClientErrorCodes", "DEFAULT_OPTIONS", "RoomClient", "RoomError", "backoffDelay"]);
		expect(result.react).toEqual(["RoomProvider", "useRoom", "useSignal"]);
		expect(result).toMatchObject({ seq: 1, users: ["alice"], state: "closed" });
		const history = await fetch(`${inject("baseUrl")}/rooms/${room}/messages`);
		const { messages } = (await history.json()) as { messages: { message: unknown }[] };
		expect(messages.map((message) => message.message)).toEqual(["hello from Node"]);
	});

	it.each(Object.keys(TSCONFIGS) as (keyof typeof TSCONFIGS)[])(
		"type-checks under moduleResolution %s with strict, exactOptionalPropertyTypes and noUncheckedIndexedAccess",
		async (resolution) => {
			await installed.write("consumer.ts", CONSUMER_SOURCE);
			await installed.write(`tsconfig.${resolution}.json`, JSON.stringify(TSCONFIGS[resolution], null, "\t"));
			await installed.exec(process.execPath, [TSC, "-p", `tsconfig.${resolution}.json`]);
		},
	);

	it("bundles for a page without server code, and reports its size", async () => {
		const dist = join(installed.dir, "node_modules/edge-rooms/dist");
		const client = await measureBundle(join(dist, "client.js"));
		const react = await measureBundle(join(dist, "react.js"), ["react"]);
		console.log(`${describeSize(client)}\n${describeSize(react)} (React not counted)`);
		for (const { inputs } of [client, react]) {
			expect(inputs.filter((input) => /hono|valibot|\/src\/|dist\/server/.test(input))).toEqual([]);
			expect(inputs.some((input) => input.includes("partysocket"))).toBe(true);
		}
		// A guard against a server module or a second copy of the client slipping in.
		expect(client.gzippedBytes).toBeLessThan(14 * 1024);
	});
});
