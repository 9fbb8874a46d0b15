/**
 * Where the benchmark's `wrangler dev` servers keep their rooms' SQLite (`--storage`).
 *
 * - `memory` (the default): a folder in /dev/shm. Every stored message's commit ends in an
 *   `fsync` of the room's database; on this VM's virtual disk, `perf` put a fifth of the room's
 *   workerd CPU in the kernel's flush path at 200 messages a second (about 290 µs a message), and
 *   its latency comes and goes with the other tenants' disk use. Deployed, the output gate opens
 *   once a commit is replicated to other machines (Cloudflare, "Zero-latency SQLite storage in
 *   every Durable Object"), so this disk's flush measures this VM, not ours or the runtime. In memory the database, its commits and the crash of (f) stay real: a kill -9 leaves
 *   /dev/shm as it was.
 * - `disk`: the system's temporary folder, as `wrangler dev` runs on a laptop.
 */
import { accessSync, constants, statSync } from "node:fs";

export type StorageChoice = "memory" | "disk";

export const MEMORY_ROOT = "/dev/shm";

export interface BenchStorage {
	choice: StorageChoice;
	/** The folder servers make their state in; undefined: the system's temporary folder. */
	root: string | undefined;
	/** For the report: where the state went, and why if not where asked. */
	description: string;
}

export function isStorageChoice(value: string): value is StorageChoice {
	return value === "memory" || value === "disk";
}

/** Resolves a choice; a machine without a writable /dev/shm falls back to disk, and says so. */
export function benchStorage(
	choice: StorageChoice,
	usable: (dir: string) => boolean = writableDirectory,
): BenchStorage {
	if (choice === "disk") return { choice, root: undefined, description: "disk (the system's temporary folder)" };
	if (usable(MEMORY_ROOT)) return { choice, root: MEMORY_ROOT, description: `memory (${MEMORY_ROOT})` };
	return { choice: "disk", root: undefined, description: `disk: ${MEMORY_ROOT} is not a writable folder here` };
}

function writableDirectory(dir: string): boolean {
	try {
		if (!statSync(dir).isDirectory()) return false;
		accessSync(dir, constants.W_OK);
		return true;
	} catch {
		return false;
	}
}
