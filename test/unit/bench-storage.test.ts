import { describe, expect, it } from "vitest";
import { benchStorage, isStorageChoice, MEMORY_ROOT } from "../../bench/load/storage";

describe("the benchmark's storage choice", () => {
	it("keeps rooms in /dev/shm for memory where it is a writable folder", () => {
		const seen: string[] = [];
		const storage = benchStorage("memory", (dir) => {
			seen.push(dir);
			return true;
		});
		expect(seen).toEqual([MEMORY_ROOT]);
		expect(storage).toEqual({ choice: "memory", root: MEMORY_ROOT, description: "memory (/dev/shm)" });
	});

	it("falls back to disk, and says why, where /dev/shm cannot be written", () => {
		const storage = benchStorage("memory", () => false);
		expect(storage.choice).toBe("disk");
		expect(storage.root).toBeUndefined();
		expect(storage.description).toContain("/dev/shm is not a writable folder");
	});

	it("uses the system's temporary folder for disk without looking at /dev/shm", () => {
		const storage = benchStorage("disk", () => {
			throw new Error("not asked");
		});
		expect(storage).toMatchObject({ choice: "disk", root: undefined });
	});

	it("accepts only memory and disk", () => {
		expect(["memory", "disk", "tmpfs", ""].filter(isStorageChoice)).toEqual(["memory", "disk"]);
	});
});
