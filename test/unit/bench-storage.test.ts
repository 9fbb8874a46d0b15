import { describe, expect, it } from "vitest";
import { benchStorage, isStorageChoice, MEMORY_FLOOR_BYTES, MEMORY_ROOT } from "../../bench/servers/storage";

describe("the benchmark's storage choice", () => {
	it("keeps rooms in /dev/shm for memory where it is writable and has room", () => {
		const asked: string[] = [];
		const storage = benchStorage("memory", (dir) => {
			asked.push(dir);
			return MEMORY_FLOOR_BYTES;
		});
		expect(asked).toEqual([MEMORY_ROOT]);
		expect(storage).toEqual({ choice: "memory", root: MEMORY_ROOT, description: "memory (/dev/shm)" });
	});

	it("falls back to disk, and says why, where /dev/shm cannot be written", () => {
		const storage = benchStorage("memory", () => undefined);
		expect(storage).toMatchObject({ choice: "disk", root: undefined });
		expect(storage.description).toContain("/dev/shm is not writable");
	});

	it("falls back to disk where /dev/shm is too small for a run (a container's 64 MiB)", () => {
		const storage = benchStorage("memory", () => 64 * 2 ** 20);
		expect(storage).toMatchObject({ choice: "disk", root: undefined });
		expect(storage.description).toContain("/dev/shm has only 64 MiB free");
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
