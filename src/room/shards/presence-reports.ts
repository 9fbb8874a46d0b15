/**
 * A shard's reports of its connections' changes to the root, which keeps the room's one roster.
 * Changes wait at most `batchMs` (`replyMs` when a client waits for the answer: a Register's or
 * an UpdateUser's reply comes from the root) or until `maxReports` wait, then go in one call; one
 * call at a time, numbered, so the root applies them in order and once (a failed call is sent again
 * with its number: the root drops a number it has applied). Several updates of one connection
 * in a row become one with their fields merged (each request still gets its reply); everything
 * else stays, in order: a connection opened, registered and closed within one batch is reported
 * so, since the leave grace rules need to see it. A connection's messages and signals travel in the
 * same batches, in the order it sent them, so that the room receives them in that order.
 * Pure, with time as an argument.
 */
import type { JsonObject } from "../../protocol";

export type ConnectionReport<R> =
	/** `userId`: the token's user, when verified at upgrade (the root counts MAX_CONNECTIONS_PER_USER). */
	| { kind: "opened"; connectionId: string; userId?: string }
	| { kind: "registered"; connectionId: string; request: JsonObject; reply: R }
	| { kind: "updated"; connectionId: string; name?: string; meta?: JsonObject; replies: R[] }
	| { kind: "unregistered"; connectionId: string; reply: R }
	/** A client's SendMessage or Signal (never merged): the root stores or relays it and answers. */
	| { kind: "message" | "signal"; connectionId: string; request: JsonObject; reply: R }
	/** (1.5) An MQTT session's subscriptions or progress, kept at the root. */
	| { kind: "session"; connectionId: string; request: JsonObject; reply: R }
	| { kind: "closed"; connectionId: string; reason: "close" | "timeout" };

export interface ReportBatch<R> {
	/** Counts a shard's batches from 1 within its epoch. */
	number: number;
	reports: ConnectionReport<R>[];
}

export interface ReportOptions {
	/** How long a change may wait (`PRESENCE_BATCH_MS`-like). */
	batchMs: number;
	/** How long a change a client waits on may wait. */
	replyMs: number;
	/** Reports one call carries at most. */
	maxReports: number;
	/** The wait before a failed call is sent again. */
	retryMs: number;
}

interface Pending<R> {
	report: ConnectionReport<R>;
	at: number;
}

const awaitsReply = (report: ConnectionReport<unknown>) => report.kind !== "opened" && report.kind !== "closed";

function earliest(pending: readonly Pending<unknown>[]): number | undefined {
	return pending.length === 0 ? undefined : Math.min(...pending.map((each) => each.at));
}

export class PresenceReports<R> {
	readonly #options: ReportOptions;
	/** Pending reports and when each came; a slot emptied by a merge is undefined until the batch is taken. */
	#pending: (Pending<R> | undefined)[] = [];
	#size = 0;
	/** Each connection's latest pending report's slot, while it is an update (the only kind merged). */
	readonly #openUpdate = new Map<string, number>();
	#firstAt: number | undefined;
	#firstReplyAt: number | undefined;
	#inFlight: ReportBatch<R> | undefined;
	#retry: { batch: ReportBatch<R>; at: number } | undefined;
	#numbered = 0;

	constructor(options: ReportOptions) {
		this.#options = options;
	}

	/** Reports waiting to be taken (a batch in flight not included). */
	get size(): number {
		return this.#size;
	}

	add(report: ConnectionReport<R>, now: number): void {
		this.#firstAt ??= now;
		if (awaitsReply(report)) this.#firstReplyAt ??= now;
		const pending = report.kind === "updated" ? this.#mergeUpdate(report, now) : { report, at: now };
		if (pending.report !== report) this.#size--;
		if (report.kind === "updated") this.#openUpdate.set(report.connectionId, this.#pending.length);
		else this.#openUpdate.delete(report.connectionId);
		this.#pending.push(pending);
		this.#size++;
	}

	/** When a batch is due to go (undefined: nothing waits, or a call is in flight). */
	wakeAt(): number | undefined {
		if (this.#inFlight) return undefined;
		if (this.#retry) return this.#retry.at;
		if (this.#firstAt === undefined) return undefined;
		if (this.#size >= this.#options.maxReports) return this.#firstAt;
		const byBatch = this.#firstAt + this.#options.batchMs;
		return this.#firstReplyAt === undefined ? byBatch : Math.min(byBatch, this.#firstReplyAt + this.#options.replyMs);
	}

	/** The batch to send now, if one is due; it is in flight until `answered` or `failed`. */
	take(now: number): ReportBatch<R> | undefined {
		const at = this.wakeAt();
		if (at === undefined || now < at) return undefined;
		if (this.#retry) {
			this.#inFlight = this.#retry.batch;
			this.#retry = undefined;
			return this.#inFlight;
		}
		const all = this.#pending.filter((pending) => pending !== undefined);
		const taken = all.slice(0, this.#options.maxReports);
		const left = all.slice(taken.length);
		this.#pending = left;
		this.#size = left.length;
		this.#openUpdate.clear();
		// What is left keeps its own waiting times: over the cap, it goes as soon as this call is answered.
		this.#firstAt = earliest(left);
		this.#firstReplyAt = earliest(left.filter((pending) => awaitsReply(pending.report)));
		left.forEach(({ report }, slot) => {
			if (report.kind === "updated") this.#openUpdate.set(report.connectionId, slot);
		});
		this.#inFlight = { number: ++this.#numbered, reports: taken.map((pending) => pending.report) };
		return this.#inFlight;
	}

	/**
	 * The root applied the batch, or its first `applied` reports (its answer had grown as large as
	 * one call may carry): the rest go next, as a batch of their own, before anything newer.
	 */
	answered(batch: ReportBatch<R>, now: number, applied = batch.reports.length): void {
		if (this.#inFlight?.number !== batch.number) return;
		this.#inFlight = undefined;
		const rest = batch.reports.slice(applied);
		if (rest.length > 0) this.#retry = { batch: { number: ++this.#numbered, reports: rest }, at: now };
	}

	/** The call failed: the same batch, with its number, goes again after `retryMs`, before anything newer. */
	failed(batch: ReportBatch<R>, now: number): void {
		if (this.#inFlight?.number !== batch.number) return;
		this.#inFlight = undefined;
		this.#retry = { batch, at: now + this.#options.retryMs };
	}

	/** An update that follows a pending update of the same connection takes its place and merges with it. */
	#mergeUpdate(report: Extract<ConnectionReport<R>, { kind: "updated" }>, now: number): Pending<R> {
		const slot = this.#openUpdate.get(report.connectionId);
		const waiting = slot === undefined ? undefined : this.#pending[slot];
		const earlier = waiting?.report;
		if (slot === undefined || !waiting || earlier?.kind !== "updated") return { report, at: now };
		this.#pending[slot] = undefined;
		const merged: ConnectionReport<R> = {
			kind: "updated",
			connectionId: report.connectionId,
			replies: [...earlier.replies, ...report.replies],
		};
		const name = report.name ?? earlier.name;
		const meta = report.meta ?? earlier.meta;
		if (name !== undefined) merged.name = name;
		if (meta !== undefined) merged.meta = meta;
		return { report: merged, at: waiting.at };
	}
}
