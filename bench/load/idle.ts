/**
 * Scenario (d): sockets that only send `ping`, each on its own phase of the interval, and a
 * count of the room's code running meanwhile (the bench-only `BENCH_WAKE` lines). The goal is 0:
 * the runtime answers `ping` itself.
 */
import { type RunningServer, sleep } from "../servers/launch.ts";
import { closeAll, openMany, type Sink, type Target } from "./clients.ts";
import type { Settings } from "./settings.ts";

export interface IdleResult {
	sockets: number;
	seconds: number;
	pingsSent: number;
	pongs: number;
	wakes: number;
	byEntryPoint: Record<string, number>;
}

export async function runIdle(
	server: RunningServer,
	target: Target,
	settings: Settings,
	round: number,
	sink: Sink,
	log: (line: string) => void,
): Promise<IdleResult> {
	await sleep(1000);
	const conns = await openMany(
		target,
		`idle-${round}`,
		{ firstIndex: 0, count: settings.idleSockets, concurrency: settings.connectConcurrency },
		sink,
	);
	await sleep(settings.mode === "quick" ? 1000 : 2000);
	const before = server.wakeLines().length;
	const windowMs = settings.idleSeconds * 1000;
	const everyMs = settings.pingEverySeconds * 1000;
	let pingsSent = 0;
	const timers: NodeJS.Timeout[] = [];
	conns.forEach((conn, i) => {
		const offset = (i / conns.length) * everyMs;
		for (let at = offset; at < windowMs; at += everyMs) {
			timers.push(
				setTimeout(() => {
					conn.ping();
					pingsSent++;
				}, at),
			);
		}
	});
	await sleep(windowMs);
	await sleep(1000); // log lines of the window's last moment
	for (const timer of timers) clearTimeout(timer);
	const lines = server.wakeLines().slice(before);
	const counts = new Map<string, number>();
	for (const line of lines) {
		const entry = line.split(" ")[2] ?? "?";
		counts.set(entry, (counts.get(entry) ?? 0) + 1);
	}
	const byEntryPoint = Object.fromEntries(counts);
	const pongs = conns.reduce((sum, c) => sum + c.pongs, 0);
	log(
		`  (d) idle ${settings.idleSeconds}s, ${pingsSent} pings, ${pongs} pongs: ${lines.length} wake-ups ${JSON.stringify(byEntryPoint)}`,
	);
	await closeAll(conns);
	return { sockets: conns.length, seconds: settings.idleSeconds, pingsSent, pongs, wakes: lines.length, byEntryPoint };
}
