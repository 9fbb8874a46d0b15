/**
 * Hands room messages to the page exactly once and in `seq` order, across reconnects.
 *
 * Every connection sees the room's messages in `seq` order, so "seen" is one number: the last
 * `seq` delivered or acknowledged. Our own messages are never handed back to us: after a
 * reconnect the `Registered` history may hold one whose ack was lost with the old socket, and its
 * resend is acked with the same `id`. So while such resends are unanswered, history and live
 * messages wait; and the ids of our acked messages are remembered until `lastSeq` passes them.
 */
import type { Message, MessageAckData, RegisteredData } from "../protocol/types";

interface Held {
	message: Message;
	history: boolean;
}

interface Hold {
	messages: Held[];
	/** Request ids of resends the room may already hold. */
	waiting: Set<string>;
	/** The room's lastSeq at the Registered, raised by our acks: seen once the hold ends. */
	seenUpTo: number;
}

export type Deliver = (message: Message, history: boolean) => void;

export class MessageDelivery {
	readonly #deliver: Deliver;
	/** More of our own ids than this ahead of `lastSeq` means something else is wrong; forget the oldest. */
	readonly #ownIdsLimit: number;
	#lastSeq = 0;
	#hold: Hold | undefined;
	/** Our acked messages' ids (with their seq) that `lastSeq` has not passed yet. */
	readonly #own = new Map<string, number>();

	constructor(deliver: Deliver, ownIdsLimit: number) {
		this.#deliver = deliver;
		this.#ownIdsLimit = ownIdsLimit;
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
		if (reset) {
			this.#lastSeq = 0;
			this.#own.clear();
		}
		const history = data.history.map((message) => ({ message, history: true }));
		// Everything up to the room's lastSeq that we may see is in this history (or was pruned).
		if (uncertain.size === 0) {
			this.#hold = undefined;
			for (const held of history) this.#deliverOnce(held);
			this.#raise(data.lastSeq);
		} else {
			this.#hold = { messages: history, waiting: new Set(uncertain), seenUpTo: data.lastSeq };
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
		this.#own.set(ack.id, ack.seq);
		if (this.#own.size > this.#ownIdsLimit) this.#own.delete(this.#own.keys().next().value ?? "");
		const hold = this.#hold;
		if (!hold) {
			this.#raise(ack.seq);
			return;
		}
		hold.seenUpTo = Math.max(hold.seenUpTo, ack.seq);
		hold.waiting.delete(requestId);
		this.#flushIfDone(hold);
	}

	/** Our send `requestId` is given up: the hold no longer waits for it. */
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
		for (const held of hold.messages) this.#deliverOnce(held);
		this.#raise(hold.seenUpTo);
	}

	#deliverOnce({ message, history }: Held): void {
		if (message.seq <= this.#lastSeq) return;
		const ours = this.#own.has(message.id);
		this.#raise(message.seq);
		if (!ours) this.#deliver(message, history);
	}

	#raise(seq: number): void {
		if (seq <= this.#lastSeq) return;
		this.#lastSeq = seq;
		for (const [id, ownSeq] of this.#own) if (ownSeq <= seq) this.#own.delete(id);
	}
}
