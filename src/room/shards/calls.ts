/**
 * (1.3) What a room's objects send each other (DESIGN.md §2–§3): a shard's numbered report
 * batches and the root's replies, and the root's stream of messages and signals to a shard.
 * Frames are encoded once at the root and passed through as strings.
 */
import type { OccupancyData, PresenceMode } from "../../protocol";
import type { VerifiedIdentity } from "../handoff";
import type { Identity } from "../roster";
import type { Span } from "./ordered-stream";
import type { PresenceLogRow } from "./presence-log";
import type { ConnectionReport, ReportBatch } from "./presence-reports";

/** Which request of a connection a reply answers, and who the connection's token says it is. */
export interface ReplyTo {
	requestId?: string;
	verified?: VerifiedIdentity;
}

export type ShardReport = ConnectionReport<ReplyTo>;
/**
 * A batch as sent: `channel` names the shard instance that numbered it (an evicted shard starts
 * numbering again from 1, and what it had in flight went with it, so the root starts over too).
 */
export type ShardReportBatch = ReportBatch<ReplyTo> & { channel: string };

/** The root's answer to one report: the frames for its connection, in order, and what changed. */
export interface ReportReply {
	frames: string[];
	/** A Register that took: who the connection is now, and the room's `lastSeq` its `Registered` was encoded at. */
	registered?: {
		identity: Identity;
		mode: PresenceMode;
		batch: boolean;
		seq: number;
		/** The presence log's last row and the room's counts when it was encoded. */
		pres: number;
		counts: OccupancyData;
	};
	/** An Unregister that took: the connection hears the stream up to this stamp, then no more. */
	unregistered?: LeaveStamp;
}

/**
 * Where the root's streams to a shard stood when a connection's `Unregister` took: the shard
 * delivers it everything up to there (written before its `Unregister`), then detaches it.
 */
export interface LeaveStamp {
	seq: number;
	/** The presence log's last row. */
	pres: number;
	/** The root instance numbering the signals, and its last signal for this shard (0: none). */
	root: string;
	sig: number;
}

/** The root's answer to a batch, one reply per report. */
export interface ReportsAnswer {
	replies: ReportReply[];
}

/** A stored message for a shard: `except` is the sending connection, which never hears its own. */
export interface StreamMessage {
	seq: number;
	frame: string;
	/** A direct message: only this user's connections hear it. */
	to?: string;
	except?: string;
}

/**
 * A signal for a shard, numbered per root instance (`sig`), after the message `afterSeq`: it is
 * delivered after that message and before the next, as the room relayed it.
 */
export interface StreamSignal {
	sig: number;
	afterSeq: number;
	frame: string;
	to?: string;
	except?: string;
}

/** One `deliver` call: every message for the shard in `span`, and the signals owed, in order. */
export interface DeliverCall {
	/** The root instance, which numbers the signals. */
	root: string;
	/** The shard epoch the root follows: another means the shard restarted. */
	epoch: string;
	span: Span<StreamMessage>;
	signals: StreamSignal[];
	/** Presence log rows after what the shard acknowledged, in order. */
	presence: PresenceLogRow[];
	/** The rows the shard needs are gone: its registered connections resume (4001). */
	presencePruned?: true;
}

/** What the shard took: the epoch it runs as, and the last signal of `root` it delivered. */
export interface DeliverAnswer {
	epoch: string;
	sig: number;
	/** The presence log row through which the shard has every row (0: it follows none). */
	pres: number;
}

/** A hole's messages from the root's history; `pruned`: some of them are gone. */
export interface FillAnswer {
	span: Span<StreamMessage>;
	pruned: boolean;
}

/** The calls a shard makes on its root (RPC on the root's `Room`). */
export interface RootCalls {
	confirmTicket(
		shard: number,
		epoch: string,
		ticket: string,
		connectionId: string,
		userId?: string,
	): Promise<"confirmed" | "admitted" | "full">;
	reports(shard: number, epoch: string, batch: ShardReportBatch): Promise<ReportsAnswer>;
	fill(shard: number, epoch: string, first: number, last: number): Promise<FillAnswer>;
}

/** The calls a root makes on a shard. */
export interface ShardCalls {
	deliver(shard: number, call: DeliverCall): Promise<DeliverAnswer>;
}
