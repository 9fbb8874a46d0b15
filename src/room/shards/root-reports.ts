/**
 * (1.3) At a room's root, a shard's report batches applied: each report runs the same handler as a
 * frame from the root's own socket (register.ts, send-message.ts …) against the connection as a
 * `RemoteConnection`, so the checks, the room's budget, `onMessage` and the durable writes are the
 * one-object code's. A batch applies once: its number is stored with its replies in the same
 * transaction as its effects, and a batch sent again (its answer was lost) is answered with those
 * replies.
 */
import {
	ClientEvents,
	type ClientFrame,
	ErrorCodes,
	encodeError,
	ProtocolError,
	type UpdateUserData,
} from "../../protocol";
import { handleClientFrame } from "../handlers";
import { type SessionSave, sessionSaveFrame } from "../mqtt/session-frames";
import type { RoomState } from "../room-state";
import type { LeaveStamp, ReplyTo, ReportReply, ReportsAnswer, ShardReport, ShardReportBatch } from "./calls";
import { RemoteConnection } from "./remote-connection";
import type { PresenceStamp } from "./shard-presence-mirror";

interface AppliedRow extends Record<string, SqlStorageValue> {
	/** The shard's epoch and the channel that numbered the batch. */
	epoch: string;
	last_batch: number;
}

/**
 * An answer stops growing past this (the reports after the one that crossed it go in the shard's
 * next batch): a Registered carries the whole roster, and a call carries at most 32 MiB.
 */
export const ANSWER_CHARS = 4 * 1024 * 1024;
/** Characters of stored replies a row holds (up to 3 bytes each in UTF-8; a row holds 2 MB). */
const PART_CHARS = 500_000;

export interface RootReportsOptions {
	state: RoomState;
	sql: SqlStorage;
	/** Runs `apply` as one transaction: a batch's effects and its number are stored together or not at all. */
	transaction: <T>(run: () => T) => T;
	/** A connection of `shard` closed: one place fewer there (placement). */
	closed: (shard: number, epoch: string, connectionId: string) => void;
	/** A connection of `shard` registered at `seq`: the stream follows the shard from there at the latest. */
	registered: (shard: number, epoch: string, seq: number, pres: number) => void;
	/** Where a `Registered` encoded now stands in the presence log. */
	stamp: () => PresenceStamp;
	/** Where the streams to `shard` stand now, for an `Unregistered`. */
	leaveStamp: (shard: number) => LeaveStamp;
	/** After a batch: the shard may hold no registered connection any more (it is followed until caught up). */
	settled: (shard: number) => void;
	logFailure: (entryPoint: string, error: unknown) => void;
	/** Answers at most this many characters of frames (ANSWER_CHARS; tests make it small). */
	answerChars?: number;
}

export class RootReports {
	readonly #options: RootReportsOptions;

	constructor(options: RootReportsOptions) {
		this.#options = options;
	}

	/**
	 * Applies the batch, or as many of its first reports as fill one answer (`replies` is shorter
	 * than the batch then, and the shard sends the rest again as its next batch).
	 */
	apply(shard: number, epoch: string, batch: ShardReportBatch, now: number): ReportsAnswer {
		const { state, sql } = this.#options;
		state.store.prepare();
		const applied = sql.exec<AppliedRow>("SELECT * FROM shard_reports WHERE shard = ?", shard).toArray()[0];
		const numbering = `${epoch}/${batch.channel}`;
		if (applied?.epoch === numbering && batch.number <= applied.last_batch) {
			// Sent again: only the last batch can be, as one call at a time is in flight.
			return { replies: batch.number === applied.last_batch ? this.#storedReplies(shard) : [] };
		}
		const replies = this.#options.transaction(() => {
			const done = this.#runWithin(shard, epoch, batch, now);
			this.#store(shard, numbering, batch.number, done);
			return done;
		});
		this.#options.settled(shard);
		return { replies };
	}

	#runWithin(shard: number, epoch: string, batch: ShardReportBatch, now: number): ReportReply[] {
		const limit = this.#options.answerChars ?? ANSWER_CHARS;
		const replies: ReportReply[] = [];
		let chars = 0;
		for (const report of batch.reports) {
			if (chars >= limit) break;
			const reply = this.#run(shard, epoch, report, now);
			for (const frame of reply.frames) chars += frame.length;
			replies.push(reply);
		}
		return replies;
	}

	#store(shard: number, numbering: string, number: number, replies: ReportReply[]): void {
		const { sql } = this.#options;
		sql.exec(
			"INSERT OR REPLACE INTO shard_reports (shard, epoch, last_batch) VALUES (?, ?, ?)",
			shard,
			numbering,
			number,
		);
		sql.exec("DELETE FROM shard_report_replies WHERE shard = ?", shard);
		const text = JSON.stringify(replies);
		for (let part = 0; part * PART_CHARS < text.length || part === 0; part++) {
			const piece = text.slice(part * PART_CHARS, (part + 1) * PART_CHARS);
			sql.exec("INSERT INTO shard_report_replies (shard, part, text) VALUES (?, ?, ?)", shard, part, piece);
		}
	}

	#storedReplies(shard: number): ReportReply[] {
		const parts = this.#options.sql
			.exec<{ text: string }>("SELECT text FROM shard_report_replies WHERE shard = ? ORDER BY part", shard)
			.toArray();
		return JSON.parse(parts.map((row) => row.text).join("")) as ReportReply[];
	}

	#run(shard: number, epoch: string, report: ShardReport, now: number): ReportReply {
		const { state } = this.#options;
		if (report.kind === "closed") {
			state.hub.remote.close(report.connectionId, report.reason, now);
			this.#options.closed(shard, epoch, report.connectionId);
			return { frames: [] };
		}
		if (report.kind === "opened") return { frames: [] };
		const handles = report.kind === "updated" ? report.replies : [report.reply];
		const last = handles[handles.length - 1] as ReplyTo;
		const known = state.hub.remote.get(report.connectionId);
		const connection = known?.shard === shard ? known : new RemoteConnection(shard, report.connectionId);
		connection.verified = last.verified;
		const wasRegistered = connection.identity !== undefined;
		this.#handle(connection, frameOf(report, last.requestId));
		const frames = connection.takeReplies();
		const reply: ReportReply = { frames: handles.length > 1 ? answerEach(frames, handles) : frames };
		const identity = connection.identity;
		if (report.kind === "registered" && identity && state.hub.remote.get(connection.id) === connection) {
			const seq = state.store.lastSeq;
			const { pres, counts } = this.#options.stamp();
			reply.registered = { identity, mode: connection.presenceMode, batch: connection.batch, seq, pres, counts };
			this.#options.registered(shard, epoch, seq, pres);
		}
		if (report.kind === "unregistered" && wasRegistered && !identity)
			reply.unregistered = this.#options.leaveStamp(shard);
		return reply;
	}

	/** Runs the request's handler; a refusal or a failure becomes the connection's `Error`. */
	#handle(connection: RemoteConnection, frame: ClientFrame): void {
		const { state, logFailure } = this.#options;
		try {
			handleClientFrame(state, connection, frame);
		} catch (error) {
			if (error instanceof ProtocolError) {
				connection.replies.push(encodeError(error.code, error.message, frame.requestId));
				return;
			}
			logFailure("reports", error);
			connection.replies.push(
				encodeError(ErrorCodes.INTERNAL, "the room failed to handle this request", frame.requestId),
			);
		}
	}
}

/** The client frame a report stands for (the shard checked and parsed it). */
function frameOf(report: Exclude<ShardReport, { kind: "closed" | "opened" }>, requestId?: string): ClientFrame {
	const base = { eventType: "ClientEvent" as const, ...(requestId === undefined ? {} : { requestId }) };
	switch (report.kind) {
		case "registered":
			return { ...base, event: ClientEvents.Register, requestData: report.request } as ClientFrame;
		case "message":
			return { ...base, event: ClientEvents.SendMessage, requestData: report.request } as ClientFrame;
		case "signal":
			return { ...base, event: ClientEvents.Signal, requestData: report.request } as ClientFrame;
		case "unregistered":
			return { ...base, event: ClientEvents.Unregister, requestData: {} } as ClientFrame;
		case "session":
			return { ...sessionSaveFrame(report.request as unknown as SessionSave), ...base };
		case "updated": {
			const data: UpdateUserData = {};
			if (report.name !== undefined) data.name = report.name;
			if (report.meta !== undefined) data.meta = report.meta;
			return { ...base, event: ClientEvents.UpdateUser, requestData: data } as ClientFrame;
		}
	}
}

/** Merged UpdateUsers: each request gets the answer the merged one got, with its own requestId. */
function answerEach(frames: string[], handles: ReplyTo[]): string[] {
	return handles.flatMap(({ requestId }) =>
		frames.map((frame) => {
			const parsed = JSON.parse(frame) as Record<string, unknown>;
			if (requestId === undefined) delete parsed.requestId;
			else parsed.requestId = requestId;
			return JSON.stringify(parsed);
		}),
	);
}
