/**
 * Serves the hooks' test page from an origin of its own (not the demo's: its CSP allows only its
 * own script): page.ts bundled by esbuild with React's development build, on a free loopback port.
 * Another test page (a module that sets up its own globals) may be served the same way.
 */
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export interface PageServer {
	/** `http://127.0.0.1:PORT/` */
	readonly url: string;
	close(): Promise<void>;
}

const HTML = `<!doctype html><html><head><meta charset="utf-8"><title>hooks</title><link rel="icon" href="data:,">
<script type="module" src="/page.js"></script></head><body><div id="root"></div></body></html>`;

const HOOKS_PAGE = join(dirname(fileURLToPath(import.meta.url)), "page.ts");

async function bundlePage(entry: string): Promise<string> {
	const result = await build({
		entryPoints: [entry],
		bundle: true,
		format: "esm",
		platform: "browser",
		target: "es2022",
		// React's development build: StrictMode's double effects exist only there.
		define: { "process.env.NODE_ENV": '"development"' },
		write: false,
		logLevel: "silent",
	});
	return result.outputFiles[0]?.text ?? "";
}

/** Serves `entry` (a path; default: the hooks' page.ts), bundled, as /page.js of an empty page. */
export async function startPageServer(entry = HOOKS_PAGE): Promise<PageServer> {
	const script = await bundlePage(entry);
	const server = createServer((request, response) => {
		const [type, body] =
			request.url === "/page.js" ? ["text/javascript", script] : request.url === "/" ? ["text/html", HTML] : [];
		if (!type) {
			response.writeHead(404).end();
			return;
		}
		response.writeHead(200, { "content-type": `${type}; charset=utf-8` }).end(body);
	});
	await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
	const address = server.address();
	if (address === null || typeof address === "string") throw new Error("the page server has no port");
	return {
		url: `http://127.0.0.1:${address.port}/`,
		close: () => new Promise((closed) => server.close(() => closed())),
	};
}
