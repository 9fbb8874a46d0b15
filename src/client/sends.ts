/**
 * Sends not yet acknowledged, in the order `send()` was called. Each carries a `clientMessageId`
 * fixed at `send()`, so writing it again after a reconnect is deduplicated by the room: a message
 * is delivered once however many times it crosses the wire.
 */
import type { MessageAckData } from "../protocol/types";
import { ClientErrorCodes, RoomError } from "./errors";

export interface PendingSend {
	readonly requestId: string;
	readonly clientMessageId: string;
	readonly frame: string;
	/** queued: waits for the current socket; sent: written to a socket, no reply yet. */
	status: "queued" | "sent";
	/** Not before this time (ms): set after a RATE_LIMITED. */
	notBefore: number;
	rateLimited: number;
	readonly resolve: (ack: MessageAckData) => void;
	readonly reject: (error: RoomError) => void;
}

export type NextSend = { entry: PendingSend } | { waitMs: number } | undefined;

export class SendQueue {
	readonly #limit: number;
	#entries: PendingSend[] = [];

	constructor(limit: number) {
		this.#limit = limit;
	}

	get size(): number {
		return this.#entries.length;
	}

	/** Adds a send, or throws QUEUE_FULL when `limit` sends are already unacknowledged. */
	add(entry: PendingSend): void {
		if (this.#entries.length >= this.#limit) {
			throw new RoomError(
				ClientErrorCodes.QUEUE_FULL,
				`${this.#limit} messages are already waiting for an acknowledgement`,
				entry.requestId,
			);
		}
		this.#entries.push(entry);
	}

	find(requestId: string | undefined): PendingSend | undefined {
		return requestId === undefined ? undefined : this.#entries.find((entry) => entry.requestId === requestId);
	}

	/** Removes and returns the send a reply answers. */
	take(requestId: string): PendingSend | undefined {
		const index = this.#entries.findIndex((entry) => entry.requestId === requestId);
		if (index < 0) return undefined;
		const [entry] = this.#entries.splice(index, 1);
		return entry;
	}

	/**
	 * A new socket: everything written to the old one may or may not be stored, so all of it goes
	 * again. Returns the request ids that were already written once (their acks may be duplicates).
	 */
	requeueAll(): Set<string> {
		const written = new Set<string>();
		for (const entry of this.#entries) {
			if (entry.status === "sent") written.add(entry.requestId);
			entry.status = "queued";
		}
		return written;
	}

	/** The next send in order, or how long until it may go (after a RATE_LIMITED). */
	next(now: number): NextSend {
		const entry = this.#entries.find((candidate) => candidate.status === "queued");
		if (!entry) return undefined;
		return entry.notBefore > now ? { waitMs: entry.notBefore - now } : { entry };
	}

	/** Rejects and drops every send still queued (not written), or all of them. */
	rejectWhere(error: (entry: PendingSend) => RoomError | undefined): void {
		this.#entries = this.#entries.filter((entry) => {
			const reason = error(entry);
			if (reason) entry.reject(reason);
			return !reason;
		});
	}
}
