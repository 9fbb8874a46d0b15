/**
 * Scenario (f): a crash and restart of ours under N registered `batched` clients. Its own
 * `wrangler dev --persist-to DIR` (bench/servers/ours), killed with kill -9 of its process group
 * and started again on the same port and DIR; the clients reconnect with the client library's
 * full jitter (ceiling: `restartBackoff`) and resume with `since` (scripts/resuming-client). They
 * reach the server through wrangler's own port, the one address that survives a restart (the
 * Worker's own workerd gets a new port each time).
 *
 * Measured: when the last client was registered again, from the restarted server's first sign of
 * life (GET /health answered, or a client registered: a reconnecting crowd can hold up the first);
 * and flicker, the other users who vanished from any client's roster and came back (a leave of a
 * user who is back at the end, or a user missing from a new `Registered` roster who was in the
 * client's roster before). Leave grace should make it 0.
 */
import { startRestartableWranglerDev } from "../../scripts/local-server/restartable-wrangler-dev.ts";
import type { Flicker } from "../../scripts/resuming-client/fleet.ts";
import { RestartDrill } from "../../scripts/resuming-client/restart-drill.ts";
import { sleep } from "../servers/launch.ts";
import type { Settings } from "./settings.ts";

export interface RestartResult {
	round: number;
	clients: number;
	/** From the restarted server's first sign of life (GET /health, or a client registered) to the last client's new `Registered`. */
	recoveryMs: number;
	/** From the kill to the last client's new `Registered`. */
	outageMs: number;
	/** From the old group's death to the new server's first sign of life. */
	restartMs: number;
	/** From the old group's death to the new server answering GET /health. */
	healthyAfterMs: number;
	/** From the first client back to the last. */
	spreadMs: number;
	/** Clients back later than the leave grace after the server's first sign of life: their leave is announced by contract. */
	backAfterGrace: number;
	flicker: Flicker;
	failedAttempts: number;
	errors: string[];
}

const CONFIG = "bench/servers/ours/wrangler.toml";
/** That config's LEAVE_GRACE_SECONDS. */
const LEAVE_GRACE_MS = 10_000;
/**
 * A `Presence` frame goes out up to one batch window (PRESENCE_BATCH_MS, 50 ms) after the change
 * it reports: frames still on their way after the last registration are waited for this long.
 */
const LATE_PRESENCE_MS = 1000;

export async function runRestart(
	settings: Settings,
	round: number,
	log: (line: string) => void,
	results: RestartResult[],
	/** `tempRoot`: where the server keeps its state (bench/servers/storage.ts); the system's temporary folder when undefined. */
	{ tempRoot }: { tempRoot?: string } = {},
): Promise<RestartResult> {
	const server = await startRestartableWranglerDev({
		name: "bench-restart",
		tempRoot,
		config: CONFIG,
		readyTimeoutMs: 90_000,
		echo: Boolean(process.env.BENCH_VERBOSE),
	});
	let drill: RestartDrill | undefined;
	try {
		drill = await RestartDrill.open({
			server,
			room: `restart-${round}`,
			clients: settings.restartClients,
			presence: "batched",
			backoff: settings.restartBackoff,
			concurrency: settings.connectConcurrency,
			heartbeatMs: settings.heartbeatSeconds * 1000,
			connectTimeoutMs: 10_000,
			timeoutMs: settings.restartTimeoutMs,
		});
		await drill.waitForFullRosters();
		const recovery = await drill.crashAndRecover();
		await sleep(LATE_PRESENCE_MS);
		const result: RestartResult = {
			round,
			clients: recovery.clients,
			recoveryMs: recovery.recoveryMs,
			outageMs: recovery.outageMs,
			restartMs: recovery.upAt - recovery.deadAt,
			healthyAfterMs: recovery.healthyAt - recovery.deadAt,
			spreadMs: recovery.spreadMs,
			backAfterGrace: drill.clients.filter((client) => client.lastRegisteredAt - recovery.upAt > LEAVE_GRACE_MS).length,
			flicker: drill.flicker(),
			failedAttempts: recovery.failedAttempts,
			errors: drill.clients.flatMap((client) => client.errors).slice(0, 20),
		};
		results.push(result);
		const { flicker } = result;
		log(
			`  (f) ${result.clients} clients: restart up ${result.restartMs.toFixed(0)} ms after the kill (health check ${result.healthyAfterMs.toFixed(0)} ms); last registered again ${result.recoveryMs.toFixed(0)} ms after that, ${result.spreadMs.toFixed(0)} ms after the first, ${result.backAfterGrace} after the grace (${result.failedAttempts} failed attempts); flicker ${flicker.total} (left and back ${flicker.leftAndBack}, missing ${flicker.missing}, joined ${flicker.joined}, ${flicker.users} users)`,
		);
		return result;
	} finally {
		await drill?.stop();
		await server.stop();
	}
}
