/**
 * Where the benchmark's `wrangler dev` servers keep their state (`--storage`): in memory
 * (`/dev/shm`, the default) or on disk (the system's temporary folder). On disk each stored
 * message's commit ends in an `fsync` that on this VM costs the room's thread more than the rest
 * of the commit; why that flush is left out is in bench/README.md, _Conditions and caveats_.
 */
import { accessSync, constants, statfsSync, statSync } from "node:fs";

export type StorageChoice = "memory" | "disk";

export const MEMORY_ROOT = "/dev/shm";

/** Room enough for every room of a full run (a container's default /dev/shm of 64 MiB is not). */
export const MEMORY_FLOOR_BYTES = 1024 * 1024 * 1024;

export interface BenchStorage {
	/** Where the state went: memory only when /dev/shm could take it. */
	choice: StorageChoice;
	/** The folder servers make their state in; undefined: the system's temporary folder. */
	root: string | undefined;
	/** For the report: where the state went, and why if not where asked. */
	description: string;
}

export function isStorageChoice(value: string): value is StorageChoice {
	return value === "memory" || value === "disk";
}

/** What a folder offers: undefined when it is not a writable folder. */
export type FreeBytes = (dir: string) => number | undefined;

/** Resolves a choice; where /dev/shm is missing, read-only or small, memory falls back to disk and says so. */
export function benchStorage(choice: StorageChoice, freeBytes: FreeBytes = writableFreeBytes): BenchStorage {
	const disk = "disk (the system's temporary folder)";
	if (choice === "disk") return { choice, root: undefined, description: disk };
	const free = freeBytes(MEMORY_ROOT);
	if (free === undefined)
		return { choice: "disk", root: undefined, description: `${disk}: ${MEMORY_ROOT} is not writable` };
	if (free < MEMORY_FLOOR_BYTES) {
		const mib = Math.floor(free / 2 ** 20);
		return { choice: "disk", root: undefined, description: `${disk}: ${MEMORY_ROOT} has only ${mib} MiB free` };
	}
	return { choice, root: MEMORY_ROOT, description: `memory (${MEMORY_ROOT})` };
}

function writableFreeBytes(dir: string): number | undefined {
	try {
		if (!statSync(dir).isDirectory()) return undefined;
		accessSync(dir, constants.W_OK);
		const { bavail, bsize } = statfsSync(dir);
		return bavail * bsize;
	} catch {
		return undefined;
	}
}
