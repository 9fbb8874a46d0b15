/**
 * (1.3) At a room's root, a shard's report batches applied: each report runs the same handler as a
 * frame from the root's own socket (register.ts, send-message.ts …) against the connection as a
 * `RemoteConnection`, so the checks, the room's budget, `onMessage` and the durable writes are the
 * one-object code's. A batch applies once: its number is stored with its replies in the same turn
 * as its effects, and a batch sent again (its answer was lost) is answered with those replies.
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
import type { RoomState } from "../room-state";
import type { LeaveStamp, ReplyTo, ReportReply, ReportsAnswer, ShardReport, ShardReportBatch } from "./calls";
import { RemoteConnection } from "./remote-connection";
import type { PresenceStamp } from "./shard-presence-mirror";

interface AppliedRow extends Record<string, SqlStorageValue> {
	/** The shard's epoch and the channel that numbered the batch. */
	epoch: string;
	last_batch: number;
	replies: string;
}

export interface RootReportsOptions {
	state: RoomState;
	sql: SqlStorage;
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
}

export class RootReports {
	readonly #options: RootReportsOptions;

	constructor(options: RootReportsOptions) {
		this.#options = options;
	}

	apply(shard: number, epoch: string, batch: ShardReportBatch, now: number): ReportsAnswer {
		const { state, sql } = this.#options;
		state.store.prepare();
		const applied = sql.exec<AppliedRow>("SELECT * FROM shard_reports WHERE shard = ?", shard).toArray()[0];
		const numbering = `${epoch}/${batch.channel}`;
		if (applied?.epoch === numbering && batch.number <= applied.last_batch) {
			// Sent again: only the last batch can be, as one call at a time is in flight.
			const replies = batch.number === applied.last_batch ? (JSON.parse(applied.replies) as ReportReply[]) : [];
			return { replies };
		}
		const replies = batch.reports.map((report) => this.#run(shard, epoch, report, now));
		sql.exec(
			"INSERT OR REPLACE INTO shard_reports (shard, epoch, last_batch, replies) VALUES (?, ?, ?, ?)",
			shard,
			numbering,
			batch.number,
			JSON.stringify(replies),
		);
		this.#options.settled(shard);
		return { replies };
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
