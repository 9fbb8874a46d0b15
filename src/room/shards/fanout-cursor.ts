/**
 * The root's side of the room's message stream: for each shard holding registered connections,
 * what the shard has acknowledged, so that after each commit it gets one call carrying everything
 * after that (at most `maxMessages`), a failed call is resent from the same point after a backoff,
 * and a restart of the root, which forgets every call in flight, resends from the acknowledgement
 * it stored. At most one call per shard is in flight: a shard receives batches, not a call per
 * message, and its spans arrive in the order they were sent unless a call is lost (which the
 * shard's stream repairs). A shard's `epoch` (chosen when it starts) tells a restart of the shard,
 * whose connections are then gone. Pure, with time as an argument; the wiring persists `acked`.
 */

export interface FanoutOptions {
	/** Messages one call carries at most (the wiring may cut a call shorter by bytes: `cut`). */
	maxMessages: number;
	/** The wait after a failed call, doubling with each failure in a row up to `maxBackoffMs`. */
	firstBackoffMs: number;
	maxBackoffMs: number;
}

/** One call to a shard: the span of seqs after `after` up to `through`. */
export interface FanoutCall {
	shard: number;
	/** Tells this call's answer from a stale one (a call of before a restart of the shard's cursor). */
	id: number;
	after: number;
	through: number;
}

/** What an answer came to: progress, nothing (a stale or repeated answer), or a shard that restarted. */
export type Answer = "acked" | "stale" | "restarted";

/** How an activation found the shard: new to the cursor, already followed, or restarted (its old connections are gone). */
export type Activation = "new" | "same" | "restarted";

interface ShardCursor {
	acked: number;
	epoch: string;
	/** False once the shard holds no registered connection: kept only until its call in flight ends. */
	following: boolean;
	/** The call in flight, and the epoch the shard was known by when it was made. */
	inFlight: FanoutCall | undefined;
	madeIn: string;
	failures: number;
	notBefore: number;
}

export class FanoutCursor {
	readonly #options: FanoutOptions;
	readonly #shards = new Map<number, ShardCursor>();
	#calls = 0;

	constructor(options: FanoutOptions) {
		this.#options = options;
	}

	/** The shards followed: those holding registered connections. */
	*shards(): IterableIterator<number> {
		for (const [shard, cursor] of this.#shards) if (cursor.following) yield shard;
	}

	acked(shard: number): number | undefined {
		const cursor = this.#shards.get(shard);
		return cursor?.following ? cursor.acked : undefined;
	}

	/** A cursor the root stored, after the root restarted. */
	restore(shard: number, acked: number, epoch: string): void {
		const fresh = { acked, epoch, following: true, inFlight: undefined, madeIn: epoch, failures: 0, notBefore: 0 };
		this.#shards.set(shard, fresh);
	}

	/**
	 * A connection on `shard` (running as `epoch`) registered at `lastSeq`: the shard is followed
	 * from there on. Already followed in the same epoch, nothing changes (the shard drops repeats).
	 * A call still in flight from before stays the one call in flight.
	 */
	activate(shard: number, lastSeq: number, epoch: string): Activation {
		const known = this.#shards.get(shard);
		if (known?.following && known.epoch === epoch) return "same";
		const restarted = known?.following === true;
		this.restore(shard, lastSeq, epoch);
		const cursor = this.#shards.get(shard) as ShardCursor;
		if (known?.inFlight) Object.assign(cursor, { inFlight: known.inFlight, madeIn: known.madeIn });
		return restarted ? "restarted" : "new";
	}

	/** `shard` holds no registered connection any more: it is sent nothing. */
	deactivate(shard: number): void {
		const cursor = this.#shards.get(shard);
		if (cursor?.inFlight) cursor.following = false;
		else this.#shards.delete(shard);
	}

	/**
	 * The calls to make now: every followed shard behind `lastSeq` with no call in flight and no
	 * backoff. With `probe`, also the shards owed nothing (an empty span): a restarted shard is known
	 * only by a call's answer, so the root probes when it must know who is here (on waking, before
	 * answering who is present) even if no message is owed; a function probes the shards it names
	 * (those owed something besides messages).
	 */
	calls(lastSeq: number, now: number, probe: boolean | ((shard: number) => boolean) = false): FanoutCall[] {
		const calls: FanoutCall[] = [];
		for (const [shard, cursor] of this.#shards) {
			if (!cursor.following || cursor.inFlight || now < cursor.notBefore) continue;
			if (cursor.acked >= lastSeq && !(typeof probe === "function" ? probe(shard) : probe)) continue;
			const through = Math.max(cursor.acked, Math.min(lastSeq, cursor.acked + this.#options.maxMessages));
			cursor.inFlight = { shard, id: ++this.#calls, after: cursor.acked, through };
			cursor.madeIn = cursor.epoch;
			calls.push(cursor.inFlight);
		}
		return calls;
	}

	/** The call in flight to `shard` carries only up to `through` (it reached the byte cap first). */
	cut(call: FanoutCall, through: number): void {
		const cursor = this.#shards.get(call.shard);
		if (cursor?.inFlight?.id !== call.id || through < call.after || through > call.through) return;
		cursor.inFlight = { ...call, through };
	}

	/**
	 * The shard took the call. `epoch` is the one it runs as: another means it restarted, unless
	 * the call was made before the root learned of a newer epoch (then the answer tells nothing).
	 */
	answered(call: FanoutCall, epoch: string): Answer {
		const cursor = this.#shards.get(call.shard);
		if (!cursor || cursor.inFlight?.id !== call.id) return "stale";
		const through = cursor.inFlight.through;
		cursor.inFlight = undefined;
		if (!cursor.following) {
			this.#shards.delete(call.shard);
			return "stale";
		}
		if (cursor.epoch !== epoch) {
			if (cursor.madeIn !== cursor.epoch) return "stale";
			this.#shards.delete(call.shard);
			return "restarted";
		}
		cursor.acked = Math.max(cursor.acked, through);
		cursor.failures = 0;
		cursor.notBefore = 0;
		return "acked";
	}

	/** The call failed (or its answer cannot be known): resent from the same point after a backoff. */
	failed(call: FanoutCall, now: number): void {
		const cursor = this.#shards.get(call.shard);
		if (!cursor || cursor.inFlight?.id !== call.id) return;
		cursor.inFlight = undefined;
		if (!cursor.following) {
			this.#shards.delete(call.shard);
			return;
		}
		cursor.failures++;
		const wait = this.#options.firstBackoffMs * 2 ** (cursor.failures - 1);
		cursor.notBefore = now + Math.min(this.#options.maxBackoffMs, wait);
	}

	/**
	 * When a call waiting out a backoff may go (undefined: none waits). The root keeps an alarm
	 * for it while something is owed: calls in flight end by themselves, a backoff does not.
	 */
	wakeAt(lastSeq: number): number | undefined {
		let earliest: number | undefined;
		for (const cursor of this.#shards.values()) {
			if (!cursor.following || cursor.inFlight || cursor.acked >= lastSeq) continue;
			if (earliest === undefined || cursor.notBefore < earliest) earliest = cursor.notBefore;
		}
		return earliest;
	}

	/** Whether some followed shard has not acknowledged `lastSeq`. */
	owes(lastSeq: number): boolean {
		for (const cursor of this.#shards.values()) if (cursor.following && cursor.acked < lastSeq) return true;
		return false;
	}
}
