/**
 * The package as a user gets it: `npm pack` of this repository (its `prepack` builds dist/), the
 * tarball installed into a fresh project in a temporary directory, and commands run there.
 * React and its types come along for the bindings, at the versions this repository tests with.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
/** This repository's TypeScript, run by the same Node as the tests. */
export const TSC = join(REPO, "node_modules/typescript/bin/tsc");

export interface InstalledPackage {
	/** The temporary project that installed the tarball. */
	dir: string;
	/** Every path the tarball holds, relative to the package root. */
	files: string[];
	/** Runs a command in the project; rejects with its output when it fails. */
	exec: (file: string, args: readonly string[]) => Promise<string>;
	write: (name: string, text: string) => Promise<void>;
	remove: () => Promise<void>;
}

interface PackResult {
	filename: string;
	files: { path: string }[];
}

async function installedVersion(name: string): Promise<string> {
	const manifest = JSON.parse(await readFile(join(REPO, "node_modules", name, "package.json"), "utf8")) as {
		version: string;
	};
	return manifest.version;
}

export async function packAndInstall(): Promise<InstalledPackage> {
	const dir = await mkdtemp(join(tmpdir(), "edge-rooms-package-"));
	const exec = async (file: string, args: readonly string[], cwd = dir): Promise<string> => {
		try {
			const { stdout } = await run(file, [...args], { cwd, maxBuffer: 16 * 1024 * 1024, env: process.env });
			return stdout;
		} catch (error) {
			const failure = error as { stdout?: string; stderr?: string; message: string };
			throw new Error(
				`${file} ${args.join(" ")} failed:\n${failure.stdout ?? ""}\n${failure.stderr ?? failure.message}`,
			);
		}
	};
	const packed = JSON.parse(
		await exec("npm", ["pack", "--json", "--silent", "--pack-destination", dir], REPO),
	) as PackResult[];
	const tarball = packed[0];
	if (!tarball) throw new Error("npm pack made no tarball");
	await writeFile(
		join(dir, "package.json"),
		JSON.stringify({ name: "edge-rooms-consumer", private: true, type: "module" }, null, "\t"),
	);
	const peers = await Promise.all(
		["react", "@types/react"].map(async (name) => `${name}@${await installedVersion(name)}`),
	);
	// From npm's cache when it has them (the repository's own install put them there).
	await exec("npm", [
		"install",
		"--prefer-offline",
		"--no-audit",
		"--no-fund",
		"--loglevel=error",
		join(dir, tarball.filename),
		...peers,
	]);
	return {
		dir,
		files: tarball.files.map((file) => file.path).sort(),
		exec: (file, args) => exec(file, args),
		write: (name, text) => writeFile(join(dir, name), text),
		remove: () => rm(dir, { recursive: true, force: true }),
	};
}
