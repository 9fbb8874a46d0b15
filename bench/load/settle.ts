/**
 * A server's resident memory once it has settled: what its sockets hold, not what registering them
 * left behind. Registering N sockets leaves garbage (ours' `Registered` rosters, frames, parsed
 * JSON) that workerd does not give back while the room is quiet: its V8 collects when it
 * allocates, not when idle, and 20 s after a join of 1,000 its RSS had not fallen by a byte
 * (bench/README.md, _The join against its floor, and memory once settled_). So the reading first
 * asks the server for a full, memory-reducing collection (`GET /__bench/gc`,
 * servers/bench-gc.ts; workerd started with `--expose-gc`), then reads the RSS every `everyMs`
 * until `window` readings in a row lie within `toleranceBytes` of each other (the runtime may
 * give pages back for a while after), for at most `capMs`. A server without the route (or
 * without `--expose-gc`) is only waited for, and the reading says so. Imports nothing,
 * so that a unit test checks the rule.
 */

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** The path of servers/bench-gc.ts (kept here so that the load generator imports no Worker code). */
export const BENCH_GC_PATH = "/__bench/gc";

export interface SettleRule {
	/** Between two readings. */
	everyMs: number;
	/** Readings in a row that must agree. */
	window: number;
	/** How far apart (largest less smallest) they may be. */
	toleranceBytes: number;
	/** The longest wait; then the last reading is taken, marked unsettled. */
	capMs: number;
}

/**
 * 4 readings 250 ms apart within 256 KiB: at 200 sockets, 1.3 KB a socket, about 1 % of what one
 * holds; a join's garbage, not collected, is tens of MB.
 */
export const SETTLE: SettleRule = { everyMs: 250, window: 4, toleranceBytes: 256 * 1024, capMs: 10_000 };

/** Whether the last `rule.window` readings (oldest first) lie within `rule.toleranceBytes`. */
export function isSettled(readings: readonly number[], rule: Pick<SettleRule, "window" | "toleranceBytes">): boolean {
	if (rule.window < 1 || readings.length < rule.window) return false;
	const last = readings.slice(-rule.window);
	return Math.max(...last) - Math.min(...last) <= rule.toleranceBytes;
}

/**
 * Reads until settled: `read()` every `rule.everyMs` (the first at once), at most `rule.capMs`
 * (`wait` is the clock, injected for tests). The reading is the last one.
 */
export async function readUntilSettled(
	read: () => number,
	rule: SettleRule,
	wait: (ms: number) => Promise<void> = sleep,
): Promise<{ bytes: number; settled: boolean; readings: number }> {
	const readings: number[] = [read()];
	let waited = 0;
	while (!isSettled(readings, rule) && waited + rule.everyMs <= rule.capMs) {
		await wait(rule.everyMs);
		waited += rule.everyMs;
		readings.push(read());
	}
	return {
		bytes: readings[readings.length - 1] as number,
		settled: isSettled(readings, rule),
		readings: readings.length,
	};
}

export interface SettledMemory {
	/** Resident memory (bytes) of the server's work processes, settled. */
	rssBytes: number;
	/** Whether the server collected its garbage when asked. */
	collected: boolean;
	/** Whether `SETTLE`'s readings agreed before its cap. */
	settled: boolean;
	/** The time the collection and the readings took. */
	ms: number;
}

/** Asks `server` to collect its garbage (when it can), then reads its RSS until settled. */
export async function settledMemory(
	server: { origin: string; rssBytes(): number },
	rule: SettleRule = SETTLE,
): Promise<SettledMemory> {
	const start = performance.now();
	let collected = false;
	try {
		const response = await fetch(`${server.origin}${BENCH_GC_PATH}`, { signal: AbortSignal.timeout(30_000) });
		const text = await response.text();
		collected = response.ok && text.includes('"gc":true');
	} catch {
		// no such route (a Node server): the readings alone
	}
	const reading = await readUntilSettled(() => server.rssBytes(), rule);
	return { rssBytes: reading.bytes, collected, settled: reading.settled, ms: performance.now() - start };
}
