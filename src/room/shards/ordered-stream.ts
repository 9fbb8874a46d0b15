/**
 * A shard's side of the room's message stream: the root sends it spans ("every message for you
 * with a seq from `first` to `last`": a direct message to a user elsewhere leaves its seq out, which
 * is why a span names its range and not only its messages). Calls may be lost, repeated or overtaken,
 * and either side may restart, so the shard delivers strictly in seq order, each seq once: what is
 * behind is dropped, what is ahead is held, and the hole in between is fetched from the root's
 * history at once, then again every `retryMs` while it stays open. A loss at the tail shows no hole:
 * the root resends from what the shard acknowledged (fanout-cursor.ts).
 *
 * A shard has no memory across a restart, and needs none: its sockets went with it. The wiring
 * starts a stream at the first registration (from that `Registered.lastSeq` + 1) and drops it when
 * the shard's last registered connection leaves. A connection that registers while the stream is
 * already past its `lastSeq` (the root answered before delivering what the shard has since
 * delivered) is caught up from `recentAfter`. Pure, with time as an argument.
 */

export interface Sequenced {
	seq: number;
}

/** Every message for one shard with `first` ≤ seq ≤ `last`. */
export interface Span<M extends Sequenced> {
	first: number;
	last: number;
	messages: readonly M[];
}

export interface SeqRange {
	first: number;
	last: number;
}

export interface StreamStep<M> {
	/** Messages to deliver now, in seq order, none delivered before. */
	deliver: M[];
	/** A hole to fill from the root's history now. */
	fetch?: SeqRange;
}

export interface StreamOptions {
	/** How long a fetch of a hole may stay unanswered before it is asked again. */
	retryMs: number;
	/** Delivered messages kept for connections that register behind the stream. */
	recentLimit: number;
}

export class OrderedStream<M extends Sequenced> {
	readonly #options: StreamOptions;
	#next: number;
	/** Spans ahead of `next`, by `first`. */
	#held: Span<M>[] = [];
	/** The hole asked for last, and when: a hole that moved (some of it arrived) is asked again at once. */
	#asked: { first: number; at: number } | undefined;
	readonly #recent: M[] = [];
	/** `#recent` holds every message for this shard with a seq above this. */
	#recentFloor: number;

	/** A stream that delivers from seq `next` on. */
	constructor(next: number, options: StreamOptions) {
		this.#options = options;
		this.#next = next;
		this.#recentFloor = next - 1;
	}

	/** The next seq to deliver: everything below it was delivered or was not for this shard. */
	get next(): number {
		return this.#next;
	}

	/** Whether spans wait behind a hole. */
	get holding(): boolean {
		return this.#held.length > 0;
	}

	/** When `due` next has a fetch to ask again (undefined: no hole). */
	get wakeAt(): number | undefined {
		if (!this.#asked || this.#held.length === 0) return undefined;
		return this.#asked.at + this.#options.retryMs;
	}

	/** Takes a span from the root (fan-out or history), delivering what it makes deliverable. */
	receive(span: Span<M>, now: number): StreamStep<M> {
		if (span.last >= this.#next && span.last >= span.first) this.#hold(span);
		return this.#advance(now);
	}

	/** The hole to ask for again, when its fetch went unanswered for `retryMs`. */
	due(now: number): SeqRange | undefined {
		const hole = this.#hole();
		if (!hole || !this.#asked || now < this.#asked.at + this.#options.retryMs) return undefined;
		this.#asked = { first: hole.first, at: now };
		return hole;
	}

	/**
	 * Moves past seqs up to `last` that the root's history no longer has (pruned while this shard
	 * lagged): the range returned is lost to this shard's connections, which must be told so.
	 */
	skipTo(last: number, now: number): StreamStep<M> & { skipped?: SeqRange } {
		if (last < this.#next) return this.#advance(now);
		const skipped = { first: this.#next, last };
		this.#next = last + 1;
		this.#recent.length = 0;
		this.#recentFloor = last;
		return { ...this.#advance(now), skipped };
	}

	/** What a connection registered at `lastSeq` missed of what was delivered, or undefined if no longer kept. */
	recentAfter(lastSeq: number): M[] | undefined {
		if (lastSeq >= this.#next - 1) return [];
		if (lastSeq < this.#recentFloor) return undefined;
		return this.#recent.filter((message) => message.seq > lastSeq);
	}

	#hold(span: Span<M>): void {
		const messages = span.messages
			.filter((message) => message.seq >= span.first && message.seq <= span.last)
			.sort((a, b) => a.seq - b.seq);
		const at = this.#held.findIndex((held) => held.first > span.first);
		this.#held.splice(at === -1 ? this.#held.length : at, 0, { first: span.first, last: span.last, messages });
	}

	#advance(now: number): StreamStep<M> {
		const deliver: M[] = [];
		for (let span = this.#held[0]; span && span.first <= this.#next; span = this.#held[0]) {
			this.#held.shift();
			if (span.last < this.#next) continue;
			for (const message of span.messages) {
				if (message.seq < this.#next) continue;
				deliver.push(message);
				this.#next = message.seq + 1;
			}
			this.#next = span.last + 1;
		}
		this.#remember(deliver);
		const hole = this.#hole();
		if (!hole) {
			this.#asked = undefined;
			return { deliver };
		}
		if (this.#asked?.first === hole.first) return { deliver };
		this.#asked = { first: hole.first, at: now };
		return { deliver, fetch: hole };
	}

	/** From `next` to just before the first span held, when one is held. */
	#hole(): SeqRange | undefined {
		const first = this.#held[0];
		return first ? { first: this.#next, last: first.first - 1 } : undefined;
	}

	#remember(delivered: readonly M[]): void {
		for (const message of delivered) this.#recent.push(message);
		const over = this.#recent.length - this.#options.recentLimit;
		if (over <= 0) return;
		const dropped = this.#recent.splice(0, over);
		this.#recentFloor = (dropped[dropped.length - 1] as M).seq;
	}
}
