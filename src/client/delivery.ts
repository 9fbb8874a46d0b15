/**
 * Hands room messages to the page exactly once and in `seq` order, across reconnects.
 *
 * Every connection sees the room's messages in `seq` order, so "seen" is one number: the last
 * `seq` delivered or acknowledged. After a reconnect the `Registered` history may hold a message
 * of ours whose ack was lost with the old socket; its resend is acked with the same `id`. So while
 * such sends are unanswered, history and live messages wait, and ours are left out when they go.
 */
import type { Message, MessageAckData, RegisteredData } from "../protocol/types";

interface Held {
	message: Message;
	history: boolean;
}

interface Hold {
	messages: Held[];
	/** Request ids of resends that may already be stored. */
	waiting: Set<string>;
	/** Ids acked while holding: our own messages, never shown back to us. */
	own: Set<string>;
	/** The room's lastSeq at the Registered, raised by our acks: seen once the hold ends. */
	seenUpTo: number;
}

export type Deliver = (message: Message, history: boolean) => void;

export class MessageDelivery {
	readonly #deliver: Deliver;
	#lastSeq = 0;
	#hold: Hold | undefined;

	constructor(deliver: Deliver) {
		this.#deliver = deliver;
	}

	/** The last `seq` seen (delivered or acked): the `since` of the next resume. */
	get lastSeq(): number {
		return this.#lastSeq;
	}

	/**
	 * A `Registered`. Answers whether the room was reset: its `lastSeq` is below what we saw, so
	 * its storage is not the one we resumed from and counting starts again.
	 */
	registered(data: Pick<RegisteredData, "lastSeq" | "history">, uncertain: ReadonlySet<string>): boolean {
		const reset = data.lastSeq < this.#lastSeq;
		if (reset) this.#lastSeq = 0;
		const history = data.history.map((message) => ({ message, history: true }));
		// Everything up to the room's lastSeq that we may see is in this history (or was pruned).
		if (uncertain.size === 0) {
			this.#hold = undefined;
			for (const held of history) this.#deliverOnce(held);
			this.#lastSeq = Math.max(this.#lastSeq, data.lastSeq);
		} else {
			this.#hold = { messages: history, waiting: new Set(uncertain), own: new Set(), seenUpTo: data.lastSeq };
		}
		return reset;
	}

	/** A live `Message`. */
	live(message: Message): void {
		if (this.#hold) this.#hold.messages.push({ message, history: false });
		else this.#deliverOnce({ message, history: false });
	}

	/** Our send `requestId` was acked. */
	acked(requestId: string, ack: MessageAckData): void {
		const hold = this.#hold;
		if (!hold) {
			this.#lastSeq = Math.max(this.#lastSeq, ack.seq);
			return;
		}
		hold.own.add(ack.id);
		hold.seenUpTo = Math.max(hold.seenUpTo, ack.seq);
		hold.waiting.delete(requestId);
		this.#flushIfDone(hold);
	}

	/** Our send `requestId` failed for good: it was not stored this time, nor before. */
	failed(requestId: string): void {
		const hold = this.#hold;
		if (!hold) return;
		hold.waiting.delete(requestId);
		this.#flushIfDone(hold);
	}

	/** The socket is gone: what is held comes again with the next `Registered`. */
	disconnected(): void {
		this.#hold = undefined;
	}

	#flushIfDone(hold: Hold): void {
		if (hold.waiting.size > 0) return;
		this.#hold = undefined;
		hold.messages.sort((a, b) => a.message.seq - b.message.seq);
		for (const held of hold.messages) {
			if (!hold.own.has(held.message.id)) this.#deliverOnce(held);
		}
		this.#lastSeq = Math.max(this.#lastSeq, hold.seenUpTo);
	}

	#deliverOnce({ message, history }: Held): void {
		if (message.seq <= this.#lastSeq) return;
		this.#lastSeq = message.seq;
		this.#deliver(message, history);
	}
}
