/**
 * Per-message bookkeeping of the load generator: every message sent and every delivery, by
 * message number, so that lost and duplicated deliveries are counted exactly; latency is receive
 * time minus the send time carried in the payload (one process, one clock).
 */
import { performance } from "node:perf_hooks";
import { sleep } from "../servers/launch.ts";
import type { Sink } from "./clients.ts";
import { Samples } from "./stats.ts";

/** One phase's deliveries (a fan-out run or one throughput step). */
export class Phase {
	readonly latencies = new Samples();
	delivered = 0;
	duplicated = 0;
	expected = 0;
	lastDeliveryAt = 0;
	/** Frames the room's sockets received during the phase, and the server events in them (more than one a frame when batched). */
	frames = 0;
	events = 0;
	/** Messages the room refused (an `Error` answered their request): their deliveries are not expected. */
	refused = 0;
}

/** The message number of a refused `SendMessage` (`m<n>`) or `Signal` (`s<n>`), from the `Error` that answered it. */
export function refusedKey(text: string): number | undefined {
	const match = /"requestId":"[ms](\d+)"/.exec(text);
	return match ? Number(match[1]) : undefined;
}

/** Tracks every message sent and every delivery, by message number. */
export class Tracker implements Sink {
	readonly #messages: { phase: Phase; seen: Uint8Array; receivers: number; refused?: true }[] = [];
	#phase = new Phase();
	unknown = 0;
	errors: string[] = [];

	begin(): Phase {
		this.#phase = new Phase();
		return this.#phase;
	}

	/** A new message that `receivers` sockets (indices below `sockets`) should get. */
	next(sockets: number, receivers: number): number {
		this.#phase.expected += receivers;
		this.#messages.push({ phase: this.#phase, seen: new Uint8Array(sockets), receivers });
		return this.#messages.length - 1;
	}

	delivery(receiver: number, key: number, sentAt: number): void {
		const now = performance.now();
		const message = this.#messages[key];
		if (!message) {
			this.unknown++;
			return;
		}
		const { phase, seen } = message;
		if (seen[receiver]) {
			phase.duplicated++;
			return;
		}
		seen[receiver] = 1;
		phase.delivered++;
		phase.latencies.push(now - sentAt);
		phase.lastDeliveryAt = now;
	}

	frame(_receiver: number, events: number): void {
		this.#phase.frames++;
		this.#phase.events += events;
	}

	/**
	 * An `Error`: when it answers a message sent here (the room refused it, e.g. a signal while the
	 * room is behind its input), that message's deliveries are no longer expected, so that a
	 * saturated step's window does not fill with deliveries that will never come.
	 */
	error(_receiver: number, text: string): void {
		const key = refusedKey(text);
		const message = key === undefined ? undefined : this.#messages[key];
		if (message && !message.refused) {
			message.refused = true;
			message.phase.refused++;
			message.phase.expected -= message.receivers;
		}
		if (this.errors.length < 20) this.errors.push(text);
	}

	/** Deliveries expected so far and not (yet) made, over every phase: at the end, the ones lost. */
	missing(): number {
		let missing = 0;
		for (const message of this.#messages) {
			if (message.refused) continue;
			let seen = 0;
			for (const bit of message.seen) seen += bit;
			missing += message.receivers - seen;
		}
		return missing;
	}

	/** Waits until every expected delivery of the phase has arrived, or the timeout. */
	async drain(phase: Phase, timeoutMs: number): Promise<void> {
		const deadline = performance.now() + timeoutMs;
		while (phase.delivered < phase.expected && performance.now() < deadline) await sleep(20);
	}
}
