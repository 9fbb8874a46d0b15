/**
 * Sends not yet acknowledged, in the order `send()` was called. Each carries a `clientMessageId`
 * fixed at `send()`, so writing it again after a reconnect is deduplicated by the room: a message
 * is delivered once however many times it crosses the wire.
 */
import { ClientEvents } from "../protocol/constants";
import type { MessageAckData } from "../protocol/types";
import { ClientErrorCodes, RoomError } from "./errors";
import { encodeClientFrame, randomId } from "./wire";

export interface PendingSend {
	readonly requestId: string;
	readonly clientMessageId: string;
	readonly frame: string;
	/** queued: waits for the current socket; sent: written to it, no reply yet. */
	status: "queued" | "sent";
	/**
	 * Written to a socket that closed before any reply: the room may have stored it. Sticky, so
	 * a later RATE_LIMITED (which only says "not this time") does not make it look fresh.
	 */
	maybeStored: boolean;
	/** Not before this time (ms): set after a RATE_LIMITED. */
	notBefore: number;
	rateLimited: number;
	readonly resolve: (ack: MessageAckData) => void;
	readonly reject: (error: RoomError) => void;
}

/** A new send, its frame encoded once with a fresh clientMessageId; NOT_JSON when it cannot be. */
export function createSend(
	requestId: string,
	message: unknown,
	to: string | undefined,
	settle: Pick<PendingSend, "resolve" | "reject">,
): PendingSend | RoomError {
	const clientMessageId = randomId();
	let frame: string | undefined;
	try {
		const data = { message, ...(to === undefined ? {} : { to }), clientMessageId };
		frame = message === undefined ? undefined : encodeClientFrame(ClientEvents.SendMessage, requestId, data);
	} catch {
		frame = undefined;
	}
	if (frame === undefined)
		return new RoomError(ClientErrorCodes.NOT_JSON, "the message is not a JSON value", requestId);
	return {
		requestId,
		clientMessageId,
		frame,
		status: "queued",
		maybeStored: false,
		notBefore: 0,
		rateLimited: 0,
		...settle,
	};
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
	 * again. Returns the request ids of the sends the room may already hold (acks may be duplicates).
	 */
	requeueAll(): Set<string> {
		const uncertain = new Set<string>();
		for (const entry of this.#entries) {
			if (entry.status === "sent") entry.maybeStored = true;
			entry.status = "queued";
			entry.notBefore = 0;
			if (entry.maybeStored) uncertain.add(entry.requestId);
		}
		return uncertain;
	}

	/** The next send in order, or how long until it may go (after a RATE_LIMITED). */
	next(now: number): NextSend {
		const entry = this.#entries.find((candidate) => candidate.status === "queued");
		if (!entry) return undefined;
		return entry.notBefore > now ? { waitMs: entry.notBefore - now } : { entry };
	}

	/** Rejects and drops the sends `error` gives a reason for. */
	rejectWhere(error: (entry: PendingSend) => RoomError | undefined): void {
		this.#entries = this.#entries.filter((entry) => {
			const reason = error(entry);
			if (reason) entry.reject(reason);
			return !reason;
		});
	}
}
