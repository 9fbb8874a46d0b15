/**
 * What a RoomClient asks of the room besides joining and leaving: its sends (Outbox), its user
 * updates (UserUpdates) and its signals (Signals). Every client event, Register and Unregister
 * included, draws on one pace: the room's rate limit per connection, as the room announces it
 * unless the caller fixed `pace`; sends, updates and signals take turns when it is short.
 */
import { ErrorCodes } from "../protocol/constants";
import type { MessageAckData, RoomLimits } from "../protocol/types";
import type { RoomError } from "./errors";
import { Outbox } from "./outbox";
import { SendPacer } from "./pacer";
import type { ClientSettings } from "./settings";
import { Signals } from "./signals";
import { UserUpdates, type UserUpdatesOptions } from "./user-updates";

export interface OutgoingOptions
	extends Omit<UserUpdatesOptions, "pacer" | "nextRequestId">,
		Pick<ClientSettings, "queueLimit" | "pace" | "signalThrottleMs" | "signalQueueLimit"> {
	/** A request id for an update ("n") or a signal ("s"). */
	nextRequestId: (prefix: "n" | "s") => string;
	/** The caller chose `pace`: the room's announced limits do not replace it. */
	paceFixed: boolean;
	/** A send of ours was acknowledged. */
	acked: (requestId: string, ack: MessageAckData) => void;
	/** A send of ours was refused for good. */
	gaveUp: (requestId: string) => void;
}

export class Outgoing {
	readonly sends: Outbox;
	readonly updates: UserUpdates;
	readonly signals: Signals;
	readonly #options: OutgoingOptions;
	readonly #pacer: SendPacer;

	constructor(options: OutgoingOptions) {
		this.#options = options;
		this.#pacer = new SendPacer(options.pace, options.now);
		const writing = { ...options, pacer: this.#pacer };
		this.sends = new Outbox(writing);
		this.updates = new UserUpdates({ ...writing, nextRequestId: () => options.nextRequestId("n") });
		this.signals = new Signals({ ...writing, nextRequestId: () => options.nextRequestId("s") });
	}

	/** A socket opened: the room's rate bucket for it starts full. */
	opened(): void {
		this.#pacer.reset();
	}

	/** The room announced its limits (`ConnectionEstablished`). */
	established(limits: RoomLimits): void {
		if (!this.#options.paceFixed) this.#pacer.adopt({ perSecond: limits.eventsPerSecond, burst: limits.burst });
	}

	/** A Register or Unregister goes at once whatever the pace says, and counts against it. */
	writeControl(frame: string): void {
		this.#pacer.spend();
		this.#options.write(frame);
	}

	/** A `MessageAck` frame. */
	acked(requestId: string | undefined, ack: MessageAckData): void {
		const entry = this.sends.acked(requestId, ack);
		if (entry) this.#options.acked(entry.requestId, ack);
	}

	/**
	 * An `Error` frame; answers whether it is handled: it answered a send or an update of ours
	 * (RATE_LIMITED ones go again), or was a RATE_LIMITED signal of ours (dropped, unless it is
	 * its key's latest value: that one goes again).
	 */
	refused(error: RoomError): boolean {
		// The room's bucket for this connection is empty, so ours is too, before any lane goes again:
		// what follows waits for a token instead of drawing another refusal.
		if (error.code === ErrorCodes.RATE_LIMITED) this.#pacer.drain();
		if (this.signals.refused(error) || this.updates.refused(error)) return true;
		const outcome = this.sends.refused(error);
		if (outcome === "rejected" && error.requestId !== undefined) this.#options.gaveUp(error.requestId);
		return outcome !== undefined;
	}

	/** In the room and staying: what waits may go. */
	pump(): void {
		this.updates.pump();
		this.sends.pump();
		this.signals.pump();
	}

	/** unregister(): what was not written goes no further. */
	leaving(): void {
		this.sends.refuseUnwritten();
		this.updates.leaving();
		this.signals.clear();
	}

	/** The socket closed: what was on it goes again after the next `Registered`. */
	closed(): void {
		this.sends.stop();
		this.updates.disconnected();
		this.signals.clear();
	}

	/** The client is closed: everything waiting is refused with `reason`'s code. */
	refuseAll(reason: RoomError): void {
		this.sends.refuseAll(reason);
		this.updates.refuseAll(reason);
		this.signals.clear();
	}
}
