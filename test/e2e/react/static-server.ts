/**
 * Serves a built site (a Vite `dist/`) from a free loopback port, as any static host would: its
 * files by path, `/` as index.html, anything else 404. Its origin is its own, not the room's.
 */
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";
import type { PageServer } from "./page-server";

const CONTENT_TYPES: Readonly<Record<string, string>> = {
	".html": "text/html; charset=utf-8",
	".js": "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".svg": "image/svg+xml",
};

export async function startStaticServer(root: string): Promise<PageServer> {
	const server = createServer(async (request, response) => {
		const path = normalize(new URL(request.url ?? "/", "http://static").pathname);
		const file = join(root, path === "/" ? "index.html" : path);
		const type = CONTENT_TYPES[extname(file)];
		const body = type && file.startsWith(root) ? await readFile(file).catch(() => undefined) : undefined;
		if (type === undefined || body === undefined) {
			response.writeHead(404).end();
			return;
		}
		response.writeHead(200, { "content-type": type }).end(body);
	});
	await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
	const address = server.address();
	if (address === null || typeof address === "string") throw new Error("the static server has no port");
	return {
		url: `http://127.0.0.1:${address.port}/`,
		close: () => new Promise((closed) => server.close(() => closed())),
	};
}
