/**
 * The package as a user gets it: `npm pack` of this repository (its `prepack` builds dist/), the
 * tarball installed into a fresh project in a temporary directory, and commands run there.
 * React and its types come along for the bindings, at the versions this repository tests with.
 *
 * Test files run in parallel and every pack rebuilds dist/ (the build empties it first), so packs
 * take turns: see pack-lock.ts.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { withPackLock } from "./pack-lock";

const run = promisify(execFile);
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
/** This repository's TypeScript, run by the same Node as the tests. */
export const TSC = join(REPO, "node_modules/typescript/bin/tsc");

export interface InstalledPackage {
	/** The temporary project that installed the tarball. */
	dir: string;
	/** Every path the tarball holds, relative to the package root. */
	files: string[];
	/** What `npm install` printed (stdout and stderr, warnings included). */
	installOutput: string;
	/** Runs a command in the project; rejects with its output when it fails. */
	exec: (file: string, args: readonly string[]) => Promise<string>;
	write: (name: string, text: string) => Promise<void>;
	remove: () => Promise<void>;
}

export interface Tarball {
	/** Absolute path of the `.tgz`. */
	path: string;
	/** Every path it holds, relative to the package root, sorted. */
	files: string[];
}

interface PackResult {
	filename: string;
	files: { path: string }[];
}

/** Runs a command; resolves with its stdout and stderr apart, rejects with both when it fails. */
async function runIn(cwd: string, file: string, args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
	try {
		return await run(file, [...args], { cwd, maxBuffer: 16 * 1024 * 1024, env: process.env });
	} catch (error) {
		const failure = error as { stdout?: string; stderr?: string; message: string };
		throw new Error(`${file} ${args.join(" ")} failed:\n${failure.stdout ?? ""}\n${failure.stderr ?? failure.message}`);
	}
}

/** Runs a command; resolves with what it printed (stdout, then stderr), rejects with it when it fails. */
export async function execIn(cwd: string, file: string, args: readonly string[]): Promise<string> {
	const { stdout, stderr } = await runIn(cwd, file, args);
	return stderr ? `${stdout}\n${stderr}` : stdout;
}

/** The version of a package this repository has installed, for a consumer to pin. */
export async function installedVersion(name: string): Promise<string> {
	const manifest = JSON.parse(await readFile(join(REPO, "node_modules", name, "package.json"), "utf8")) as {
		version: string;
	};
	return manifest.version;
}

/** `npm pack` of this repository into `destination`. */
export async function packInto(destination: string): Promise<Tarball> {
	const { stdout } = await withPackLock(REPO, () =>
		runIn(REPO, "npm", ["pack", "--json", "--silent", "--pack-destination", destination]),
	);
	// The build prints to stderr (see `prepack`), so stdout is npm's JSON alone.
	const packed = JSON.parse(stdout) as PackResult[];
	const tarball = packed[0];
	if (!tarball) throw new Error("npm pack made no tarball");
	return { path: join(destination, tarball.filename), files: tarball.files.map((file) => file.path).sort() };
}

/**
 * `npm install` in `dir`, from npm's cache when it has the packages (the repository's own install
 * put them there), with warnings kept in the output so that a test can look for them.
 */
export function npmInstall(dir: string, packages: readonly string[] = []): Promise<string> {
	return execIn(dir, "npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=warn", ...packages]);
}

export async function packAndInstall(): Promise<InstalledPackage> {
	const dir = await mkdtemp(join(tmpdir(), "edge-rooms-package-"));
	const tarball = await packInto(dir);
	await writeFile(
		join(dir, "package.json"),
		JSON.stringify({ name: "edge-rooms-consumer", private: true, type: "module" }, null, "\t"),
	);
	const peers = await Promise.all(
		["react", "@types/react"].map(async (name) => `${name}@${await installedVersion(name)}`),
	);
	const installOutput = await npmInstall(dir, [tarball.path, ...peers]);
	return {
		dir,
		files: tarball.files,
		installOutput,
		exec: (file, args) => execIn(dir, file, args),
		write: (name, text) => writeFile(join(dir, name), text),
		remove: () => rm(dir, { recursive: true, force: true }),
	};
}
