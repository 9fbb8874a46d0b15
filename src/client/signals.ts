/**
 * `signal()`'s side of a RoomClient. Signals are written only while the client is in the room:
 * one made offline is dropped, not queued, since it would be stale by the time the client is back,
 * and those still waiting when it leaves are dropped too. They draw on the connection's pace like
 * every client event, taking turns with sends and updates when tokens are short. The room answers
 * nothing on success; a RATE_LIMITED one is not tried again (a later copy would be stale).
 */
import { ClientEvents, ErrorCodes } from "../protocol/constants";
import type { SignalRequestData } from "../protocol/types";
import { ClientErrorCodes, RoomError } from "./errors";
import { type PaceLane, type SendPacer, WakeUp } from "./pacer";
import type { ClientSettings } from "./settings";
import { SignalQueue, type WaitingSignal } from "./signal-queue";
import type { SignalOptions, SignalOutcome } from "./types";
import { encodeClientFrame } from "./wire";

/** Errors answer within a round trip: this many of our latest signals' ids cover it at any room's rate. */
const RECENT_IDS_KEPT = 200;

export interface SignalsOptions extends Pick<ClientSettings, "signalThrottleMs" | "signalQueueLimit"> {
	now: () => number;
	/** The connection's rate, shared with every other client event. */
	pacer: SendPacer;
	/** Whether signals may be written now (registered and staying, socket open). */
	canWrite: () => boolean;
	write: (frame: string) => void;
	nextRequestId: () => string;
}

export class Signals {
	readonly #options: SignalsOptions;
	readonly #queue: SignalQueue;
	readonly #wakeUp: WakeUp;
	/** Its turn at the pace: while a signal is due. */
	readonly #lane: PaceLane = {
		wantsTurn: () => this.#options.canWrite() && this.#queue.hasDue(this.#options.now()),
	};
	/** Request ids of our latest signals, oldest first: an `Error` echoing one answers a signal. */
	readonly #recentIds = new Set<string>();

	constructor(options: SignalsOptions) {
		this.#options = options;
		this.#queue = new SignalQueue(options.signalQueueLimit);
		this.#wakeUp = new WakeUp(() => this.pump(), options.now);
	}

	/** Sends or queues a signal, or drops it (see `SignalOutcome`); throws NOT_JSON for a value JSON cannot carry. */
	send(value: unknown, options: SignalOptions): SignalOutcome {
		const data = signalData(value, options.to);
		if (!this.#options.canWrite()) return "dropped";
		const waiting = this.#queue.add(data, options.key, options.throttleMs ?? this.#options.signalThrottleMs);
		if (!waiting) return "dropped";
		this.pump();
		return waiting.written ? "sent" : "queued";
	}

	/** Writes due signals as the pace allows; waits for the next one to fall due otherwise. */
	pump(): void {
		while (this.#options.canWrite()) {
			const now = this.#options.now();
			const next = this.#queue.next(now);
			if (!next) return;
			const waitMs = "waitMs" in next ? next.waitMs : this.#options.pacer.take(this.#lane);
			if (waitMs > 0) {
				this.#wakeUp.within(waitMs);
				return;
			}
			if ("signal" in next) this.#write(next.signal, now);
		}
	}

	/**
	 * An `Error` frame; answers whether it was a RATE_LIMITED for a signal of ours, which ends
	 * here and empties the pacer's bucket. Other refusals of a signal are the page's `error` events.
	 */
	refused(error: RoomError): boolean {
		if (error.requestId === undefined || !this.#recentIds.delete(error.requestId)) return false;
		if (error.code !== ErrorCodes.RATE_LIMITED) return false;
		this.#options.pacer.drain();
		return true;
	}

	/** Out of the room (unregister, a closed socket, close()): what waits is dropped. */
	clear(): void {
		this.#wakeUp.cancel();
		this.#queue.clear();
	}

	#write(signal: WaitingSignal, now: number): void {
		const requestId = this.#options.nextRequestId();
		this.#queue.written(signal, now);
		this.#recentIds.add(requestId);
		if (this.#recentIds.size > RECENT_IDS_KEPT) this.#recentIds.delete(this.#recentIds.values().next().value ?? "");
		this.#options.write(encodeClientFrame(ClientEvents.Signal, requestId, signal.data));
	}
}

/** The Signal's `requestData`, or NOT_JSON when `value` is not a JSON value. */
function signalData(value: unknown, to: string | undefined): SignalRequestData {
	let encoded: string | undefined;
	try {
		// undefined for undefined, a function or a symbol; a throw for a cycle or a BigInt.
		encoded = JSON.stringify(value);
	} catch {
		encoded = undefined;
	}
	if (encoded === undefined) throw new RoomError(ClientErrorCodes.NOT_JSON, "the signal is not a JSON value");
	return to === undefined ? { signal: value } : { signal: value, to };
}
