/**
 * One `npm pack` of the repository at a time. Its `prepack` empties and rebuilds dist/, so a pack
 * that ran beside another could put a half-built dist/ in its tarball; test files run in parallel
 * processes, so the turn is a directory made atomically (mkdir), holding its owner's pid. A lock
 * whose owner died (a test process killed mid-pack) is taken over.
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

const WAIT_STEP_MS = 200;
/** Longer than any pack: a lock held this long by a live process is a bug worth a clear failure. */
const GIVE_UP_MS = 240_000;

export async function withPackLock<T>(repo: string, work: () => Promise<T>): Promise<T> {
	const lock = join(repo, "node_modules", ".cache", "edge-rooms-pack.lock");
	await mkdir(join(lock, ".."), { recursive: true });
	const deadline = Date.now() + GIVE_UP_MS;
	while (!(await tryTake(lock))) {
		if (Date.now() > deadline) throw new Error(`${lock} is still held after ${GIVE_UP_MS} ms`);
		await new Promise((done) => setTimeout(done, WAIT_STEP_MS));
	}
	try {
		return await work();
	} finally {
		await rm(lock, { recursive: true, force: true });
	}
}

async function tryTake(lock: string): Promise<boolean> {
	try {
		await mkdir(lock);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
		if (await ownerIsAlive(lock)) return false;
		// Its owner is gone; whoever removes it first retries like everyone else.
		await rm(lock, { recursive: true, force: true });
		return false;
	}
	await writeFile(join(lock, "pid"), String(process.pid));
	return true;
}

async function ownerIsAlive(lock: string): Promise<boolean> {
	let pid: number;
	try {
		pid = Number(await readFile(join(lock, "pid"), "utf8"));
	} catch {
		return true; // just made, its pid not written yet
	}
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === "EPERM";
	}
}
