/**
 * A restart drill: N resuming clients registered in one room of a restartable `wrangler dev`,
 * each knowing everyone; the server killed (kill -9 of its process group) and started again on
 * the same port and folder; the clients coming back with jitter and resuming. It measures when
 * the last client was registered again, counted from the restarted server's first sign of life, and what
 * the clients saw of each other meanwhile. The benchmark's scenario (f) and the restart e2e
 * test both run it.
 */
import type { BackoffOptions } from "../../src/client/backoff.ts";
import type { RestartableWranglerDev, RestartTimes } from "../local-server/restartable-wrangler-dev.ts";
import { countFlicker, type Flicker, openFleet, stopFleet, waitForEach } from "./fleet.ts";
import { ResumingClient, type ResumingClientOptions } from "./resuming-client.ts";
import type { PresenceMode } from "./server-frames.ts";

export interface DrillOptions {
	server: RestartableWranglerDev;
	room: string;
	/** Clients the drill opens (users `u0`, `u1`, …). */
	clients: number;
	presence: PresenceMode;
	backoff: BackoffOptions;
	/** Handshakes in flight at once while opening. */
	concurrency: number;
	heartbeatMs: number;
	connectTimeoutMs: number;
	/** The bound of every wait. */
	timeoutMs: number;
}

export interface Recovery extends RestartTimes {
	clients: number;
	/**
	 * The restarted server's first sign of life: `GET /health` answered, or a client registered,
	 * whichever came first. Clients reconnecting in their thousands can keep the health check
	 * waiting long after the server works.
	 */
	upAt: number;
	/** From `upAt` to the last client's new `Registered`. */
	recoveryMs: number;
	/** From the kill to the last client's new `Registered`. */
	outageMs: number;
	/**
	 * From the first client back to the last. Leave grace runs from the room's first run after the
	 * restart (about the first client back): past the grace, leaves are announced by contract.
	 */
	spreadMs: number;
	/** Connection attempts that failed, over all clients, during the outage. */
	failedAttempts: number;
}

export class RestartDrill {
	readonly options: DrillOptions;
	/** The drill's own clients and any the caller added (a sender, say): every one is waited on. */
	readonly clients: ResumingClient[];

	private constructor(options: DrillOptions, clients: ResumingClient[]) {
		this.options = options;
		this.clients = clients;
	}

	/** Opens and registers the clients; `extra` clients (already registered) count as members too. */
	static async open(options: DrillOptions, extra: readonly ResumingClient[] = []): Promise<RestartDrill> {
		const url = `${options.server.wsOrigin}/rooms/${options.room}/ws`;
		const create = (i: number) => new ResumingClient({ ...clientOptions(options, url), userId: `u${i}` });
		const opened = await openFleet(create, options.clients, options.concurrency, options.timeoutMs);
		return new RestartDrill(options, [...extra, ...opened]);
	}

	/** Resolves once every client's roster holds every member: the baseline a restart must keep. */
	async waitForFullRosters(): Promise<void> {
		const members = this.clients.length;
		await waitForEach(this.clients, (c) => c.view.roster.size >= members, this.options.timeoutMs, "full roster");
	}

	/**
	 * Kills the server mid-whatever-runs, restarts it, and resolves once every client is registered
	 * again (each on a new connection) or the time runs out.
	 */
	async crashAndRecover(): Promise<Recovery> {
		const before = new Map(this.clients.map((client) => [client, client.registrations]));
		const failedBefore = this.#failedAttempts();
		const watchFrom = performance.now();
		for (const client of this.clients) client.view.watch(watchFrom);
		const times = await this.options.server.crashAndRestart();
		await waitForEach(
			this.clients,
			(client) => client.registrations > (before.get(client) ?? 0),
			this.options.timeoutMs,
			"registered again after the restart",
		);
		const backAt = this.clients.map((client) => client.lastRegisteredAt);
		const firstRegisteredAt = Math.min(...backAt);
		const lastRegisteredAt = Math.max(...backAt);
		const upAt = Math.min(times.healthyAt, firstRegisteredAt);
		return {
			...times,
			clients: this.clients.length,
			upAt,
			recoveryMs: lastRegisteredAt - upAt,
			outageMs: lastRegisteredAt - times.killedAt,
			spreadMs: lastRegisteredAt - firstRegisteredAt,
			failedAttempts: this.#failedAttempts() - failedBefore,
		};
	}

	/**
	 * What the clients saw of each other since the crash. Call it once nothing more can arrive: a
	 * `Presence` frame goes out up to a batch window after the change it reports.
	 */
	flicker(): Flicker {
		return countFlicker(this.clients);
	}

	stop(): Promise<void> {
		return stopFleet(this.clients);
	}

	#failedAttempts(): number {
		return this.clients.reduce((sum, client) => sum + client.failedAttempts, 0);
	}
}

/** The options of a drill's client, but for its user. */
export function clientOptions(options: DrillOptions, url: string): Omit<ResumingClientOptions, "userId"> {
	const { presence, backoff, heartbeatMs, connectTimeoutMs } = options;
	return { url, presence, backoff, heartbeatMs, connectTimeoutMs };
}
