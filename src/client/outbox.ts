/**
 * The outgoing side of a RoomClient: sends wait here in order until acknowledged, go out as fast
 * as the room's rate allows while registered, and go again after a reconnect or a RATE_LIMITED.
 */
import { ErrorCodes } from "../protocol/constants";
import type { MessageAckData } from "../protocol/types";
import { ClientErrorCodes, RoomError } from "./errors";
import { type PaceLane, type SendPacer, WakeUp } from "./pacer";
import { createSend, type PendingSend, SendQueue } from "./sends";
import type { ClientSettings } from "./settings";

export interface OutboxOptions
	extends Pick<ClientSettings, "queueLimit" | "rateLimitedRetryMs" | "rateLimitedMaxRetries"> {
	now: () => number;
	/** The connection's rate, shared with every other client event. */
	pacer: SendPacer;
	/** Whether sends may be written now (registered and staying, socket open). */
	canWrite: () => boolean;
	write: (frame: string) => void;
}

export class Outbox {
	readonly #options: OutboxOptions;
	readonly #queue: SendQueue;
	readonly #wakeUp = new WakeUp(() => this.pump());
	/** Its turn at the pace: while a send is due. */
	readonly #lane: PaceLane = {
		wantsTurn: () => {
			const next = this.#options.canWrite() ? this.#queue.next(this.#options.now()) : undefined;
			return next !== undefined && "entry" in next;
		},
	};

	constructor(options: OutboxOptions) {
		this.#options = options;
		this.#queue = new SendQueue(options.queueLimit);
	}

	/** Sends waiting for an acknowledgement, offline ones included. */
	get size(): number {
		return this.#queue.size;
	}

	/** Queues a send; the promise settles with its ack or its refusal. */
	add(requestId: string, message: unknown, to: string | undefined): Promise<MessageAckData> {
		return new Promise<MessageAckData>((resolve, reject) => {
			const entry = createSend(requestId, message, to, { resolve, reject });
			if (entry instanceof RoomError) {
				reject(entry);
				return;
			}
			try {
				this.#queue.add(entry);
			} catch (error) {
				reject(error);
				return;
			}
			this.pump();
		});
	}

	/** After a `Registered`: everything unacknowledged goes again. Answers the ids the room may hold. */
	requeueAll(): Set<string> {
		return this.#queue.requeueAll();
	}

	/** The `MessageAck` for `requestId`: the send it settles, if it is ours. */
	acked(requestId: string | undefined, ack: MessageAckData): PendingSend | undefined {
		const entry = requestId === undefined ? undefined : this.#queue.take(requestId);
		entry?.resolve(ack);
		return entry;
	}

	/**
	 * An `Error` for one of our sends. RATE_LIMITED goes again later; anything else rejects it.
	 * Answers "retry" or "rejected", or undefined when `error` answers no send of ours.
	 */
	refused(error: RoomError): "retry" | "rejected" | undefined {
		const entry = this.#queue.find(error.requestId);
		if (!entry) return undefined;
		const limited = error.code === ErrorCodes.RATE_LIMITED;
		if (limited && (entry.maybeStored || entry.rateLimited < this.#options.rateLimitedMaxRetries)) {
			// Not stored this time: it goes again, in its place, once the room's bucket has refilled.
			entry.rateLimited += 1;
			entry.status = "queued";
			entry.notBefore = this.#options.now() + this.#options.rateLimitedRetryMs;
			this.pump();
			return "retry";
		}
		this.#queue.take(entry.requestId);
		entry.reject(error);
		return "rejected";
	}

	/** unregister(): sends waiting to be written are refused, unless the room may already hold them. */
	refuseUnwritten(): void {
		this.#queue.rejectWhere((entry) =>
			entry.status === "queued" && !entry.maybeStored
				? new RoomError(ClientErrorCodes.UNREGISTERED, "unregistered before it was sent", entry.requestId)
				: undefined,
		);
	}

	/** The client is closed: every send is refused with `reason`'s code. */
	refuseAll(reason: RoomError): void {
		this.stop();
		this.#queue.rejectWhere((entry) => new RoomError(reason.code, reason.message, entry.requestId));
	}

	/** Writes queued sends in order, as fast as the pacer allows, while writing is allowed. */
	pump(): void {
		if (this.#wakeUp.waiting) return;
		while (this.#options.canWrite()) {
			const next = this.#queue.next(this.#options.now());
			if (!next) return;
			const waitMs = "waitMs" in next ? next.waitMs : this.#options.pacer.take(this.#lane);
			if (waitMs > 0) {
				this.#wakeUp.after(waitMs);
				return;
			}
			if ("entry" in next) {
				next.entry.status = "sent";
				this.#options.write(next.entry.frame);
			}
		}
	}

	/** Stops a waiting pump (the socket closed); the next `pump()` starts it again. */
	stop(): void {
		this.#wakeUp.cancel();
	}
}
