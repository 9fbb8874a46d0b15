/**
 * `signal()`'s side of a RoomClient. Signals are written only while the client is in the room:
 * one made offline is dropped, not queued, since it would be stale by the time the client is back,
 * and those still waiting when it leaves are dropped too. They draw on the connection's pace like
 * every client event, taking turns with sends and updates when tokens are short. The room answers
 * nothing on success. A RATE_LIMITED unkeyed one is not tried again (a later copy would be stale);
 * a RATE_LIMITED keyed one is, when it is still its key's latest value, since a key's last value
 * must reach the others (the final `{typing: false}`).
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

/** A keyed signal written: what goes again if the room refuses it for the rate. */
interface KeyedSignal {
	key: string;
	data: SignalRequestData;
	throttleMs: number;
}

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
	/** Our latest signals by request id, oldest first (an `Error` echoing one answers a signal); unkeyed ones keep no value. */
	readonly #recent = new Map<string, KeyedSignal | undefined>();

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
	 * An `Error` frame; answers whether it was a RATE_LIMITED for a signal of ours (the pacer is
	 * already emptied, `Outgoing.refused`), which ends here but for a keyed one that nothing newer
	 * for its key follows: that one waits again behind its key's throttle and the pace. Other
	 * refusals of a signal are the page's `error` events.
	 */
	refused(error: RoomError): boolean {
		const { requestId } = error;
		if (requestId === undefined || !this.#recent.has(requestId)) return false;
		const keyed = this.#recent.get(requestId);
		const latest = keyed !== undefined && !this.#newerWritten(requestId, keyed.key);
		this.#recent.delete(requestId);
		if (error.code !== ErrorCodes.RATE_LIMITED) return false;
		// Out of the room it is dropped like any signal; a newer value waiting for its key wins.
		if (latest && this.#options.canWrite() && !this.#queue.waits(keyed.key)) {
			this.#queue.add(keyed.data, keyed.key, keyed.throttleMs);
			this.pump();
		}
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
		const { key, data, throttleMs } = signal;
		this.#recent.set(requestId, key === undefined ? undefined : { key, data, throttleMs });
		if (this.#recent.size > RECENT_IDS_KEPT) this.#recent.delete(this.#recent.keys().next().value ?? "");
		this.#options.write(encodeClientFrame(ClientEvents.Signal, requestId, data));
	}

	/** Whether a signal for `key` was written after the one with `requestId`. */
	#newerWritten(requestId: string, key: string): boolean {
		let after = false;
		for (const [id, written] of this.#recent) {
			if (after && written?.key === key) return true;
			if (id === requestId) after = true;
		}
		return false;
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
