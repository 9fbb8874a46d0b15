/**
 * What the installable client costs a page: `edge-rooms/client` bundled as an app would bundle it
 * (esbuild, browser, minified, partysocket included), then gzipped. Also lists what went in, so a
 * test can prove no server code (hono, valibot) is reachable from the client.
 *
 *   npm run build:client && npm run size
 */
import { relative, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

export interface BundleSize {
	/** The entry measured. */
	entry: string;
	minifiedBytes: number;
	gzippedBytes: number;
	/** Every file the bundle holds, as esbuild names them (relative to the working directory). */
	inputs: string[];
}

/** Bundles `entry` for the browser, minified, with `external` left out (React for the bindings). */
export async function measureBundle(entry: string, external: readonly string[] = []): Promise<BundleSize> {
	const result = await build({
		entryPoints: [entry],
		bundle: true,
		minify: true,
		format: "esm",
		platform: "browser",
		target: "es2022",
		external: [...external],
		metafile: true,
		write: false,
		logLevel: "silent",
	});
	const code = result.outputFiles[0]?.contents ?? new Uint8Array();
	return {
		entry,
		minifiedBytes: code.byteLength,
		gzippedBytes: gzipSync(code, { level: 9 }).byteLength,
		inputs: Object.keys(result.metafile.inputs),
	};
}

function kilobytes(bytes: number): string {
	return `${(bytes / 1024).toFixed(1)} KiB`;
}

export function describeSize(size: BundleSize): string {
	return `${relative(process.cwd(), size.entry)}: ${kilobytes(size.minifiedBytes)} minified, ${kilobytes(size.gzippedBytes)} gzipped (${size.inputs.length} files)`;
}

async function main(): Promise<void> {
	const dist = resolve(import.meta.dirname, "../../dist");
	console.log(describeSize(await measureBundle(resolve(dist, "client.js"))));
	console.log(describeSize(await measureBundle(resolve(dist, "react.js"), ["react"])), "(React itself not counted)");
}

if (import.meta.main) await main();
