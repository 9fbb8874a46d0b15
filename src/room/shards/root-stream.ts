/**
 * (1.3) At a room's root, the stream to each shard holding registered connections (DESIGN.md §3):
 * `deliver` calls driven by the fan-out cursor, one in flight per shard, each naming its seq range
 * (a direct message to a user elsewhere is left out, not a gap), carrying the signals owed in the
 * order the room relayed them. What each shard acknowledged is stored, so that a root that
 * restarted resends from there (the shard drops what it already delivered); a commit that leaves a
 * shard owed keeps an alarm a second away, so that a root evicted before its calls went wakes.
 * Signals live in memory only (they have no history): a root's restart loses those in flight.
 */

import { encodeServerFrame, ServerEvents } from "../../protocol";
import type { RoomStore } from "../store";
import type {
	DeliverAnswer,
	DeliverCall,
	FillAnswer,
	LeaveStamp,
	ShardCalls,
	StreamMessage,
	StreamSignal,
} from "./calls";
import { type FanoutCall, FanoutCursor } from "./fanout-cursor";
import type { PresenceLog } from "./presence-log";
import type { RemoteAudience } from "./remote-audience";
import type { Member } from "./remote-connection";

/** Messages one call carries at most; signals waiting per shard at most (the oldest are dropped). */
const MAX_MESSAGES = 256;
const MAX_SIGNALS = 1024;
/** How soon a root with something owed is woken by its alarm, should it be evicted meanwhile. */
export const OWED_WAKE_MS = 1000;

/** Presence log rows one call carries at most, and their text at most (a single row may exceed it). */
const PRESENCE_LIMITS = { maxRows: 256, maxBytes: 512 * 1024 };

interface StreamRow extends Record<string, SqlStorageValue> {
	shard: number;
	epoch: string;
	acked_seq: number;
	acked_pres: number;
}

export interface RootStreamOptions {
	sql: SqlStorage;
	store: RoomStore;
	remote: () => RemoteAudience;
	/** The presence log the rows come from. */
	log: PresenceLog;
	/** Shard `shard`'s stub. */
	shard: (shard: number) => ShardCalls;
	waitUntil: (promise: Promise<unknown>) => void;
	/** Shard `shard` answered as another epoch: it restarted, its connections are gone. */
	restarted: (shard: number, epoch: string) => void;
	/** After an answer or a failure outside an entry point: the alarm may need planning. */
	changed: () => void;
	now: () => number;
	logFailure: (entryPoint: string, error: unknown) => void;
}

export class RootStream {
	/** Numbers this instance's signals: a shard tells them from an earlier instance's by it. */
	readonly incarnation = crypto.randomUUID();
	readonly #options: RootStreamOptions;
	readonly #cursor = new FanoutCursor({ maxMessages: MAX_MESSAGES, firstBackoffMs: 250, maxBackoffMs: 8000 });
	readonly #epochs = new Map<number, string>();
	readonly #signals = new Map<number, StreamSignal[]>();
	/** Per shard, the last signal queued for it in this instance. */
	readonly #lastSig = new Map<number, number>();
	/** Per followed shard, the presence row through which it has every row (stored). */
	readonly #ackedPres = new Map<number, number>();
	#sig = 0;
	/** Until the first calls after a start: every followed shard is probed (it may have restarted meanwhile). */
	#probe = true;
	#restored = false;

	constructor(options: RootStreamOptions) {
		this.#options = options;
	}

	/** A connection of `shard` (running as `epoch`) registered at `seq`: the shard is followed, from there if new. */
	follow(shard: number, epoch: string, seq: number, pres: number): void {
		this.#restore();
		if (this.#cursor.activate(shard, seq, epoch) === "same") return;
		this.#epochs.set(shard, epoch);
		this.#ackedPres.set(shard, pres);
		this.#options.sql.exec(
			"INSERT OR REPLACE INTO shard_streams (shard, epoch, acked_seq, acked_pres) VALUES (?, ?, ?, ?)",
			shard,
			epoch,
			seq,
			pres,
		);
	}

	/** `shard` holds no registered connection (or restarted): it is sent nothing more. */
	unfollow(shard: number): void {
		this.#restore();
		if (this.#cursor.acked(shard) === undefined) return;
		this.#cursor.deactivate(shard);
		this.#forget(shard);
	}

	/** Whether `shard` is followed: it hears the presence log (1.4: a removal's row reaches it). */
	follows(shard: number): boolean {
		this.#restore();
		return this.#cursor.acked(shard) !== undefined;
	}

	/** Where the streams to `shard` stand now: a connection unregistering hears them up to here. */
	stamp(shard: number): LeaveStamp {
		this.#restore();
		const { store, log } = this.#options;
		return { seq: store.lastSeq, pres: log.last(), root: this.incarnation, sig: this.#lastSig.get(shard) ?? 0 };
	}

	/**
	 * `shard` may hold no registered connection any more: once it has everything up to now (a
	 * connection that unregistered hears what was written before its `Unregister`), it is sent
	 * nothing more.
	 */
	release(shard: number): void {
		this.#restore();
		if (this.#options.remote().ofShard(shard).length === 0 && this.#caughtUp(shard)) this.unfollow(shard);
	}

	/** A signal relayed by the root: for every shard holding a receiver, in order with the messages. */
	signal(frame: string, to: string | undefined, except?: Member): void {
		this.#restore();
		const remote = this.#options.remote();
		const afterSeq = this.#options.store.lastSeq;
		for (const shard of this.#cursor.shards()) {
			if (to !== undefined && !remote.holds(shard, to)) continue;
			const item: StreamSignal = { sig: ++this.#sig, afterSeq, frame };
			if (to !== undefined) item.to = to;
			if (except && !except.socket && except.shard === shard) item.except = except.id;
			const queue = this.#signals.get(shard) ?? [];
			queue.push(item);
			this.#lastSig.set(shard, item.sig);
			if (queue.length > MAX_SIGNALS) queue.shift();
			this.#signals.set(shard, queue);
		}
	}

	/** Makes the calls due now: to shards owed messages or signals (after a start, to every followed shard). */
	pump(): void {
		this.#restore();
		const now = this.#options.now();
		const last = this.#options.log.last();
		const probe = this.#probe
			? true
			: (shard: number) => (this.#signals.get(shard)?.length ?? 0) > 0 || this.#presenceOwed(shard, last);
		this.#probe = false;
		for (const call of this.#cursor.calls(this.#options.store.lastSeq, now, probe)) this.#send(call);
	}

	/** When the root must run again for its stream: a backoff's end, or soon while a shard is owed. */
	wakeAt(): number | undefined {
		this.#restore();
		const lastSeq = this.#options.store.lastSeq;
		const backoff = this.#cursor.wakeAt(lastSeq);
		const last = this.#options.log.last();
		const presenceOwed = [...this.#cursor.shards()].some((shard) => this.#presenceOwed(shard, last));
		const owed = this.#cursor.owes(lastSeq) || presenceOwed ? this.#options.now() + OWED_WAKE_MS : undefined;
		if (backoff === undefined) return owed;
		return owed === undefined ? backoff : Math.min(backoff, owed);
	}

	/** A shard's hole, from history. */
	fill(shard: number, first: number, last: number): FillAnswer {
		const span = this.#span(shard, first - 1, last);
		return { span: { first, last, messages: span.messages }, pruned: span.pruned };
	}

	#send(call: FanoutCall): void {
		const { shard } = call;
		let payload: DeliverCall;
		try {
			const { messages } = this.#span(shard, call.after, call.through);
			const signals = (this.#signals.get(shard) ?? []).filter((signal) => signal.afterSeq <= call.through);
			const epoch = this.#epochs.get(shard) ?? "";
			const read = this.#options.log.after(this.#ackedPres.get(shard) ?? 0, PRESENCE_LIMITS);
			payload = {
				root: this.incarnation,
				epoch,
				span: { first: call.after + 1, last: call.through, messages },
				signals,
				presence: read.rows,
			};
			if (read.pruned) {
				// Too far behind the log (never so inside the prune floor): its connections resume.
				payload.presencePruned = true;
				this.#ackPresence(shard, this.#options.log.last());
			}
		} catch (error) {
			this.#options.logFailure("deliver", error);
			this.#cursor.failed(call, this.#options.now());
			return;
		}
		const sent = this.#options
			.shard(shard)
			.deliver(shard, payload)
			.then(
				(answer) => this.#answered(call, answer),
				(error: unknown) => {
					this.#options.logFailure(`deliver to shard ${shard}`, error);
					this.#cursor.failed(call, this.#options.now());
				},
			)
			.then(() => {
				this.pump();
				this.#options.changed();
			});
		this.#options.waitUntil(sent);
	}

	#answered(call: FanoutCall, answer: DeliverAnswer): void {
		const outcome = this.#cursor.answered(call, answer.epoch);
		if (outcome === "restarted") {
			this.#forget(call.shard);
			this.#options.restarted(call.shard, answer.epoch);
			return;
		}
		if (outcome !== "acked") return;
		const queue = this.#signals.get(call.shard);
		if (queue)
			this.#signals.set(
				call.shard,
				queue.filter((signal) => signal.sig > answer.sig),
			);
		this.#options.sql.exec("UPDATE shard_streams SET acked_seq = ? WHERE shard = ?", call.through, call.shard);
		// The shard's word, not a maximum: an evicted shard lost the rows it held for messages to come.
		if (answer.pres > 0) this.#ackPresence(call.shard, answer.pres);
		this.#prune();
		// A shard that follows no presence row has nobody waiting for the stream (none leaving either).
		if (answer.pres === 0 && this.#options.remote().ofShard(call.shard).length === 0) this.unfollow(call.shard);
		else this.release(call.shard);
	}

	/** The lowest seq every followed shard has received (undefined: none is followed): pruning stops below it. */
	receivedByAll(): number | undefined {
		const acked = [...this.#cursor.shards()].map((shard) => this.#cursor.acked(shard) ?? 0);
		return acked.length > 0 ? Math.min(...acked) : undefined;
	}

	#caughtUp(shard: number): boolean {
		const acked = this.#cursor.acked(shard);
		if (acked === undefined) return true;
		const signalsOwed = (this.#signals.get(shard)?.length ?? 0) > 0;
		return acked >= this.#options.store.lastSeq && !this.#presenceOwed(shard, this.#options.log.last()) && !signalsOwed;
	}

	#presenceOwed(shard: number, last: number): boolean {
		return (this.#ackedPres.get(shard) ?? last) < last;
	}

	#ackPresence(shard: number, pres: number): void {
		this.#ackedPres.set(shard, pres);
		this.#options.sql.exec("UPDATE shard_streams SET acked_pres = ? WHERE shard = ?", pres, shard);
	}

	/** Rows every followed shard has are deleted (all of them but the newest when none is followed). */
	#prune(): void {
		const acked = [...this.#cursor.shards()].map((shard) => this.#ackedPres.get(shard) ?? 0);
		this.#options.log.prune(acked.length > 0 ? Math.min(...acked) : this.#options.log.last());
	}

	#forget(shard: number): void {
		this.#epochs.delete(shard);
		this.#signals.delete(shard);
		this.#lastSig.delete(shard);
		this.#ackedPres.delete(shard);
		this.#options.sql.exec("DELETE FROM shard_streams WHERE shard = ?", shard);
		this.#prune();
	}

	/** The messages for `shard` after `after` through `through`: direct ones only for users it holds. */
	#span(shard: number, after: number, through: number): { messages: StreamMessage[]; pruned: boolean } {
		const remote = this.#options.remote();
		const stored = this.#options.store.span(after, through);
		const messages: StreamMessage[] = [];
		for (const { message, fromConnection } of stored.messages) {
			if (message.to !== undefined && !remote.holds(shard, message.to)) continue;
			const item: StreamMessage = { seq: message.seq, frame: encodeServerFrame(ServerEvents.Message, message) };
			if (message.to !== undefined) item.to = message.to;
			if (fromConnection !== undefined) item.except = fromConnection;
			messages.push(item);
		}
		return { messages, pruned: stored.pruned };
	}

	/** The cursors stored before this instance started: those shards are probed first. */
	#restore(): void {
		if (this.#restored) return;
		this.#restored = true;
		const rows = this.#options.store.prepared
			? this.#options.sql.exec<StreamRow>("SELECT * FROM shard_streams").toArray()
			: [];
		for (const row of rows) {
			this.#cursor.restore(row.shard, row.acked_seq, row.epoch);
			this.#epochs.set(row.shard, row.epoch);
			this.#ackedPres.set(row.shard, row.acked_pres);
		}
	}
}
