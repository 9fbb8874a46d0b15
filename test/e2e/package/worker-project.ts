/**
 * A Worker project of a user's, built on the packed package: its files in a temporary directory,
 * `edge-rooms` installed from the tarball, its other dependencies at the versions this repository
 * tests with, and this repository's `wrangler dev` (loopback, no metrics, nothing fetched) serving
 * it. Real WebSockets (the `ws` package) talk to it, with the headers a browser would send.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import WebSocket from "ws";
import { startWranglerDev, type WranglerDev } from "../../../scripts/local-server/wrangler-dev.ts";
import { type SocketLike, TestClient } from "../../support/client";
import { opened } from "../clients";
import { execIn, installedVersion, npmInstall, packInto, type Tarball } from "./packed";

export const WAIT_MS = 10_000;

interface Manifest {
	dependencies?: Record<string, string>;
	devDependencies?: Record<string, string>;
	[field: string]: unknown;
}

/** Run by the repository's own copies instead (its wrangler and TypeScript): not installed again. */
const TOOLS = new Set(["wrangler", "typescript"]);

export interface WorkerProject {
	dir: string;
	tarball: Tarball;
	/** What `npm install` printed, warnings included. */
	installOutput: string;
	exec: (file: string, args: readonly string[]) => Promise<string>;
	write: (name: string, text: string) => Promise<void>;
	/** Starts `wrangler dev` with the project's wrangler.toml; it must answer GET /health. */
	serve: (vars?: Record<string, string>) => Promise<WranglerDev>;
	remove: () => Promise<void>;
}

/**
 * Makes the project (a copy of `from`, or the given `files`), then installs it: `edge-rooms` from
 * a fresh pack, every other dependency pinned to the version this repository has installed.
 */
export async function installWorkerProject(
	name: string,
	source: { from: string } | { files: Record<string, string> },
): Promise<WorkerProject> {
	const dir = await mkdtemp(join(tmpdir(), `edge-rooms-${name}-`));
	const remove = () => rm(dir, { recursive: true, force: true });
	try {
		const write = async (file: string, text: string) => {
			await mkdir(dirname(join(dir, file)), { recursive: true });
			await writeFile(join(dir, file), text);
		};
		if ("from" in source) {
			await cp(source.from, dir, {
				recursive: true,
				filter: (path) => !/[/\\](node_modules|\.wrangler)([/\\]|$)/.test(path),
			});
		} else {
			for (const [file, text] of Object.entries(source.files)) await write(file, text);
		}
		const tarball = await packInto(dir);
		const manifestPath = join(dir, "package.json");
		const manifest = JSON.parse(await readFile(manifestPath, "utf8")) as Manifest;
		await writeFile(manifestPath, JSON.stringify(await pinned(manifest, tarball), null, "\t"));
		const installOutput = await npmInstall(dir);
		return {
			dir,
			tarball,
			installOutput,
			exec: (file, args) => execIn(dir, file, args),
			write,
			serve: (vars = {}) => startWranglerDev({ name, config: join(dir, "wrangler.toml"), vars }),
			remove,
		};
	} catch (error) {
		await remove();
		throw error;
	}
}

/** The manifest with `edge-rooms` from the tarball and the rest at this repository's versions. */
async function pinned(manifest: Manifest, tarball: Tarball): Promise<Manifest> {
	const pin = async (group: Record<string, string> = {}) => {
		const entries = await Promise.all(
			Object.keys(group)
				.filter((name) => !TOOLS.has(name))
				.map(async (name) => [name, name === "edge-rooms" ? `file:${tarball.path}` : await installedVersion(name)]),
		);
		return Object.fromEntries(entries) as Record<string, string>;
	};
	return {
		...manifest,
		dependencies: await pin(manifest.dependencies),
		devDependencies: await pin(manifest.devDependencies),
	};
}

// ---- clients -------------------------------------------------------------------------------

export interface ProjectClient extends TestClient {
	readonly ws: WebSocket;
}

/** Sockets still open; `closeProjectClients` terminates them. */
const open = new Set<ProjectClient>();

export function closeProjectClients(): void {
	for (const client of open) client.ws.terminate();
	open.clear();
}

/** Opens a WebSocket to `url` (`ws://…`) and takes its ConnectionEstablished. */
export async function openSocket(url: string, headers: Record<string, string> = {}): Promise<ProjectClient> {
	const ws = new WebSocket(url, { headers });
	const client = new TestClient(ws as unknown as SocketLike) as ProjectClient;
	Object.assign(client, { ws });
	open.add(client);
	await opened(ws);
	await client.next("ConnectionEstablished", undefined, WAIT_MS);
	return client;
}

/** The HTTP status and body of a refused upgrade; fails if the upgrade is accepted. */
export function refusedUpgrade(
	url: string,
	headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
	const ws = new WebSocket(url, { headers });
	return new Promise((done, fail) => {
		const timer = setTimeout(() => fail(new Error(`no answer to the upgrade after ${WAIT_MS} ms`)), WAIT_MS);
		ws.once("unexpected-response", (_request, response) => {
			clearTimeout(timer);
			let body = "";
			response.on("data", (chunk: Buffer) => {
				body += chunk.toString("utf8");
			});
			response.once("end", () => {
				ws.terminate();
				done({ status: response.statusCode ?? 0, body });
			});
		});
		ws.once("open", () => {
			clearTimeout(timer);
			ws.terminate();
			fail(new Error("the upgrade was accepted"));
		});
		ws.once("error", () => {});
	});
}
