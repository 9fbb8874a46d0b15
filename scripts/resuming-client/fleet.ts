/**
 * Many resuming clients in one room: opened with a bounded number of handshakes in flight, waited
 * on by event (each client's change is checked as it happens, never by sleeping), stopped
 * together, and what they saw of each other across a restart summed up.
 */
import { inBatches, mapConcurrently } from "./many-sockets.ts";
import type { ResumingClient } from "./resuming-client.ts";
import type { PresenceObservationKind } from "./room-view.ts";

/**
 * Resolves once `condition` holds for every client, checking a client again whenever it changes
 * (so a condition should stay true once true, like "registered twice"); rejects after `timeoutMs`
 * with how many it still did not hold for.
 */
export function waitForEach(
	clients: readonly ResumingClient[],
	condition: (client: ResumingClient) => boolean,
	timeoutMs: number,
	what: string,
): Promise<void> {
	const waiting = new Set(clients.filter((client) => !condition(client)));
	if (waiting.size === 0) return Promise.resolve();
	return new Promise((done, fail) => {
		const unsubscribes: (() => void)[] = [];
		const finish = (error?: Error) => {
			clearTimeout(timer);
			for (const unsubscribe of unsubscribes) unsubscribe();
			if (error) fail(error);
			else done();
		};
		const timer = setTimeout(() => {
			const sample = [...waiting].slice(0, 5).map((client) => client.userId);
			finish(new Error(`${what}: not so for ${waiting.size} of ${clients.length} after ${timeoutMs} ms (${sample})`));
		}, timeoutMs);
		for (const client of waiting) {
			unsubscribes.push(
				client.onChange(() => {
					if (!waiting.has(client) || !condition(client)) return;
					waiting.delete(client);
					if (waiting.size === 0) finish();
				}),
			);
		}
	});
}

/**
 * Starts the clients with at most `concurrency` still unregistered at a time; resolves once all
 * are registered. On a failure every client started is stopped: none is left reconnecting.
 */
export async function openFleet(
	create: (index: number) => ResumingClient,
	count: number,
	concurrency: number,
	timeoutMs: number,
): Promise<ResumingClient[]> {
	const started: ResumingClient[] = [];
	try {
		return await mapConcurrently(count, concurrency, async (index) => {
			const client = create(index);
			started.push(client);
			client.start();
			await waitForEach([client], (c) => c.registered, timeoutMs, `${client.userId} registered`);
			return client;
		});
	} catch (error) {
		await stopFleet(started);
		throw error;
	}
}

export function stopFleet(clients: readonly ResumingClient[]): Promise<void> {
	return inBatches(clients, 200, (client) => client.stop());
}

export interface Flicker {
	/** Other users seen leaving (`UserLeft`, `Presence.left`) who were registered again at the end. */
	leftAndBack: number;
	/** Other users seen joining (`UserJoined`, `Presence.joined`). */
	joined: number;
	/** Other users missing from a new `Registered` roster who were in the client's roster before it. */
	missing: number;
	/** `leftAndBack + missing`: users who vanished from a client's roster and came back. */
	total: number;
	/** Distinct users concerned, over all clients. */
	users: number;
}

/** What the clients observed of others since they were told to `watch`; reads every kept frame. */
export function countFlicker(clients: readonly ResumingClient[]): Flicker {
	const back = new Set(clients.filter((client) => client.registered).map((client) => client.userId));
	const counts: Record<PresenceObservationKind, number> = { left: 0, joined: 0, missing: 0 };
	let leftAndBack = 0;
	const users = new Set<string>();
	for (const client of clients) {
		client.view.settle();
		for (const { kind, userId } of client.view.observations) {
			counts[kind] += 1;
			users.add(userId);
			if (kind === "left" && back.has(userId)) leftAndBack += 1;
		}
	}
	return {
		leftAndBack,
		joined: counts.joined,
		missing: counts.missing,
		total: leftAndBack + counts.missing,
		users: users.size,
	};
}
