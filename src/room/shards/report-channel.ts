/**
 * (1.3) At a shard, its connections' requests and closes on their way to the root (DESIGN.md §2):
 * one numbered, ordered channel (PresenceReports), one call in flight, a failed call sent again
 * with its number after `RETRY_MS`. The root's replies reach each socket through the shard's own
 * fan-out (its batcher, its slow-reader bound), in order with what else the connection is sent;
 * a registration's reply also starts the connection on the root's stream (ShardStream).
 */
import { ClientEvents, type ClientFrame, type JsonObject } from "../../protocol";
import type { Connection } from "../connection";
import type { Hub } from "../hub";
import { MQTT_SESSION_EVENT } from "../mqtt/session-frames";
import type { ReplyTo, ReportReply, ReportsAnswer, ShardReport, ShardReportBatch } from "./calls";
import { PresenceReports } from "./presence-reports";
import type { ShardStream } from "./shard-stream";

const RETRY_MS = 500;
const MAX_REPORTS = 256;

export interface ReportChannelOptions {
	hub: Hub;
	stream: ShardStream;
	/** Sends a batch to the root. */
	send: (batch: ShardReportBatch) => Promise<ReportsAnswer>;
	waitUntil: (promise: Promise<unknown>) => void;
	/** After an answer or a failure outside an entry point: the alarm may need planning. */
	changed: () => void;
	now: () => number;
	logFailure: (entryPoint: string, error: unknown) => void;
}

export class ReportChannel {
	readonly #options: ReportChannelOptions;
	// Nothing waits: a call goes as soon as none is in flight, and the next batch fills meanwhile.
	readonly #queue = new PresenceReports<ReplyTo>({
		batchMs: 0,
		replyMs: 0,
		maxReports: MAX_REPORTS,
		retryMs: RETRY_MS,
	});
	readonly #channel = crypto.randomUUID();

	constructor(options: ReportChannelOptions) {
		this.#options = options;
	}

	/** A client's checked frame, for the root to handle. */
	forward(connection: Connection, frame: ClientFrame): void {
		this.#queue.add(reportOf(connection, frame), this.#options.now());
		this.pump();
	}

	/** A connection the shard let go of. */
	closed(connection: Connection, reason: "close" | "timeout"): void {
		this.#queue.add({ kind: "closed", connectionId: connection.id, reason }, this.#options.now());
		this.pump();
	}

	/** When a batch is due (a retry after a failure). */
	wakeAt(): number | undefined {
		return this.#queue.wakeAt();
	}

	/** Sends the batch due now, if any and none is in flight. */
	pump(): void {
		const taken = this.#queue.take(this.#options.now());
		if (!taken) return;
		const batch: ShardReportBatch = { ...taken, channel: this.#channel };
		const sent = this.#options
			.send(batch)
			.then(
				(answer) => {
					this.#queue.answered(taken, this.#options.now(), answer.replies.length);
					this.#deliver(batch, answer);
				},
				(error: unknown) => {
					this.#options.logFailure("reports", error);
					this.#queue.failed(taken, this.#options.now());
				},
			)
			.then(() => {
				this.pump();
				this.#options.changed();
			});
		this.#options.waitUntil(sent);
	}

	/** The root's replies, each to its connection if it is still here. */
	#deliver(batch: ShardReportBatch, answer: ReportsAnswer): void {
		const { hub, stream, logFailure } = this.#options;
		batch.reports.forEach((report, index) => {
			const reply: ReportReply | undefined = answer.replies[index];
			const connection = hub.byId(report.connectionId);
			if (!reply || !connection) return;
			try {
				const { registered, unregistered, frames } = reply;
				if (unregistered) stream.reply(connection, () => stream.unregistered(connection, unregistered, frames));
				else if (registered) stream.reply(connection, () => stream.registered(connection, registered, frames));
				else
					stream.reply(connection, () => {
						for (const frame of frames) hub.reply(connection.socket, frame);
					});
			} catch (error) {
				logFailure("reports (reply)", error);
			}
		});
	}
}

function reportOf(connection: Connection, frame: ClientFrame): ShardReport {
	const reply: ReplyTo = {};
	if (frame.requestId !== undefined) reply.requestId = frame.requestId;
	if (connection.verified) reply.verified = connection.verified;
	const connectionId = connection.id;
	const request = frame.requestData as JsonObject;
	switch (frame.event) {
		case ClientEvents.Register:
			return { kind: "registered", connectionId, request, reply };
		case ClientEvents.SendMessage:
			return { kind: "message", connectionId, request, reply };
		case ClientEvents.Signal:
			return { kind: "signal", connectionId, request, reply };
		case ClientEvents.Unregister:
			return { kind: "unregistered", connectionId, reply };
		case ClientEvents.UpdateUser: {
			const { name, meta } = frame.requestData;
			const report: ShardReport = { kind: "updated", connectionId, replies: [reply] };
			if (name !== undefined) report.name = name;
			if (meta !== undefined) report.meta = meta;
			return report;
		}
		default:
			// (1.5) The one internal frame a shard forwards: an MQTT session's save.
			if (((frame as ClientFrame).event as string) !== MQTT_SESSION_EVENT) throw new Error("no report for this frame");
			return { kind: "session", connectionId, request, reply };
	}
}
