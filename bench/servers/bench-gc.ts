/**
 * `GET /__bench/gc` on the benchmark's Workers servers (ours' bench entry, and bare and floor
 * through room-router.ts): a full, memory-reducing garbage collection of the Worker's isolate
 * (its Durable Objects run in it too), for a memory reading that counts what the sockets hold, not
 * what registering them left behind (bench/load/settle.ts). workerd exposes `gc` only when its V8
 * runs with `--expose-gc`, which the benchmark asks for in the presence-mode join round alone;
 * without it the route collects nothing and says so. No scenario's frames reach this path.
 */
export const BENCH_GC_PATH = "/__bench/gc";

type Gc = (options?: {
	type?: "major" | "minor";
	execution?: "sync" | "async";
	flavor?: "regular" | "last-resort";
}) => void;

export function benchGc(): Response {
	const gc = (globalThis as { gc?: Gc }).gc;
	// `last-resort`: what V8 does under memory pressure (also gives the heap's empty pages back);
	// a plain gc() frees the garbage but keeps the grown heap's pages resident.
	if (gc) gc({ type: "major", execution: "sync", flavor: "last-resort" });
	return Response.json({ gc: Boolean(gc) });
}
