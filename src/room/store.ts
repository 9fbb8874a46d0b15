/**
 * The room's durable state in its SQLite database: the message counter, the message history
 * and the clientMessageIds already used. A message is written, with its seq, in one
 * transaction before anyone hears of it; the output gate then holds every send until the
 * write is durable, so an acknowledged message is never lost.
 */
import { jsonValueProblem, Limits, type Message, type MessageAckData } from "../protocol";
import { hasLayout, migrate } from "./migrations";

/** A stored message and the connection that sent it (none for a server publish). */
export interface StoredMessage {
	message: Message;
	fromConnection?: string;
}

/** A message before the room has numbered it. */
export type MessageDraft = Omit<Message, "seq">;

export interface HistoryQuery {
	/** Only messages with a greater seq (0: from the start). */
	since: number;
	/** At most this many. */
	limit: number;
	/** Whose history: direct messages to or from this user are included, other direct messages never. */
	viewer?: string;
	/**
	 * Which end of the range to keep when it holds more than `limit`: the newest for a
	 * Register (they join up with the live stream), the oldest for paging (`truncated` then
	 * reports only a page cut short, not pruning).
	 */
	keep: "oldest" | "newest";
}

export interface HistoryPage {
	/** Oldest first. */
	messages: Message[];
	/** Some messages after `since` may be missing from `messages`: over the limit, or pruned. */
	truncated: boolean;
}

interface MessageRow extends Record<string, SqlStorageValue> {
	seq: number;
	id: string;
	from_user: string;
	from_name: string;
	body: string;
	sent_at: number;
	to_user: string | null;
}

export interface StoreLimits {
	/** Messages kept (`HISTORY_LIMIT`). */
	historyLimit: number;
	/** Latest messages whose clientMessageIds are remembered; never fewer than the history keeps. */
	dedupWindow?: number;
	/**
	 * (1.3) Messages kept past the history for a shard that has not received them yet (a shard
	 * further behind than this resumes its connections instead).
	 */
	retainedForShards?: number;
}

/** (1.3) By default a lagging shard may hold back the pruning of this many messages past the history. */
export const RETAINED_FOR_SHARDS = 10_000;

/** Told of each stored row a history leaves out because it cannot be sent (so that it is logged). */
export type UnreadableRowReport = (seq: number, problem: string) => void;

export class RoomStore {
	readonly #storage: DurableObjectStorage;
	readonly #sql: SqlStorage;
	readonly #historyLimit: number;
	readonly #dedupWindow: number;
	readonly #reportUnreadable: UnreadableRowReport;
	readonly #retainedForShards: number;
	/** (1.3) At a root: the lowest seq its shards have all received (messages after it are kept). */
	receivedByShards: () => number | undefined = () => undefined;
	/** (1.4) Runs inside each message's transaction, after its row: the room's events are written with it. */
	appended: (message: Message) => void = () => {};
	#lastSeq = 0;
	/** Whether the tables exist (at the latest layout). Until then every read is answered empty. */
	#ready = false;

	/**
	 * A room that has written before is brought to the latest layout now; one that never has is
	 * left without tables, so that reading a room nobody used (anyone may ask) writes nothing.
	 */
	constructor(storage: DurableObjectStorage, limits: StoreLimits, reportUnreadable: UnreadableRowReport = () => {}) {
		this.#storage = storage;
		this.#sql = storage.sql;
		this.#historyLimit = limits.historyLimit;
		this.#reportUnreadable = reportUnreadable;
		this.#dedupWindow = Math.max(limits.historyLimit, limits.dedupWindow ?? Limits.dedupWindow);
		this.#retainedForShards = limits.retainedForShards ?? RETAINED_FOR_SHARDS;
		if (hasLayout(storage)) this.prepare();
	}

	/** Whether the room has its tables (it has written before). */
	get prepared(): boolean {
		return this.#ready;
	}

	/** Creates or updates the tables: before the room's first write (an accepted connection, a message). */
	prepare(): void {
		if (this.#ready) return;
		migrate(this.#storage);
		// The newest message is always kept, so its seq is the room's; a room from layout v1
		// (no history yet) still has its counter in room_meta.
		const newest = this.#sql.exec<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM messages").one().seq;
		this.#lastSeq = Math.max(newest ?? 0, Number(this.#get("seq") ?? 0));
		this.#ready = true;
	}

	/**
	 * Whether the room keeps nothing here: no tables, or tables that never held a message (the
	 * durable roster is the Hub's to judge).
	 */
	get holdsNoMessages(): boolean {
		return this.#lastSeq === 0;
	}

	/** Storage was deleted under the store: it is a room that has never written again. */
	forget(): void {
		this.#ready = false;
		this.#lastSeq = 0;
	}

	/** The room's latest seq, 0 before its first message. */
	get lastSeq(): number {
		return this.#lastSeq;
	}

	/**
	 * Numbers a message and stores it, with its clientMessageId, pruning what falls out of the
	 * history, all in one transaction: a seq is never reused, a failed write leaves no trace.
	 */
	append(draft: MessageDraft, clientMessageId?: string, fromConnection?: string): Message {
		this.prepare();
		const seq = this.#lastSeq + 1;
		// The contract's field order, the same as a history row's (toMessage): live, in history and over HTTP.
		const message: Message = { id: draft.id, seq, from: draft.from, message: draft.message, sentAt: draft.sentAt };
		if (draft.to !== undefined) message.to = draft.to;
		this.#storage.transactionSync(() => {
			this.#sql.exec(
				"INSERT INTO messages (seq, id, from_user, from_name, body, sent_at, to_user, from_connection) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
				seq,
				message.id,
				message.from.userId,
				message.from.name,
				JSON.stringify(message.message),
				message.sentAt,
				message.to ?? null,
				fromConnection ?? null,
			);
			if (clientMessageId !== undefined) {
				this.#sql.exec(
					"INSERT INTO sent_ids (seq, user_id, client_message_id, id, sent_at) VALUES (?, ?, ?, ?, ?)",
					seq,
					message.from.userId,
					clientMessageId,
					message.id,
					message.sentAt,
				);
			}
			this.appended(message);
			// Both deletes walk the primary key from its low end: normally one row each, or none.
			this.#sql.exec("DELETE FROM messages WHERE seq <= ?", this.#prunedThrough(seq));
			this.#sql.exec("DELETE FROM sent_ids WHERE seq <= ?", seq - this.#dedupWindow);
		});
		this.#lastSeq = seq;
		return message;
	}

	/**
	 * The messages pruned once `seq` is stored: those out of the history, but for what a shard has
	 * not received yet (up to `retainedForShards` more). Histories never show the retained ones.
	 */
	#prunedThrough(seq: number): number {
		const outOfHistory = seq - this.#historyLimit;
		const received = this.receivedByShards();
		if (received === undefined) return outOfHistory;
		return Math.max(outOfHistory - this.#retainedForShards, Math.min(outOfHistory, received));
	}

	/** (1.5) Forgets a clientMessageId, so that the next message with it is a new one (an MQTT packet id reused). */
	forgetSent(userId: string, clientMessageId: string): void {
		if (!this.#ready) return;
		this.#sql.exec("DELETE FROM sent_ids WHERE user_id = ? AND client_message_id = ?", userId, clientMessageId);
	}

	/** The acknowledgement of the message this user already sent with this clientMessageId, if any. */
	findSent(userId: string, clientMessageId: string): MessageAckData | undefined {
		if (!this.#ready) return undefined;
		const row = this.#sql
			.exec<{ id: string; seq: number; sent_at: number }>(
				"SELECT id, seq, sent_at FROM sent_ids WHERE user_id = ? AND client_message_id = ?",
				userId,
				clientMessageId,
			)
			.toArray()[0];
		return row && { id: row.id, seq: row.seq, sentAt: row.sent_at };
	}

	/**
	 * Messages after `since`, oldest first, as one viewer may see them. `truncated` is "may have
	 * missed": pruned messages count even if they were direct messages between others.
	 */
	history({ since, limit, viewer, keep }: HistoryQuery): HistoryPage {
		// Nothing after `since` (a join into a quiet room, a resume that missed nothing): no query.
		if (!this.#ready || since >= this.#lastSeq) return { messages: [], truncated: false };
		// Messages kept only for a lagging shard are not part of the history.
		const historyStart = this.#lastSeq - this.#historyLimit;
		const visible = viewer === undefined ? "to_user IS NULL" : "(to_user IS NULL OR to_user = ?1 OR from_user = ?1)";
		const order = keep === "oldest" ? "ASC" : "DESC";
		// One row past the limit tells whether the range held more. Numbered parameters, so that
		// ?1 may appear twice or not at all; all three are always bound.
		const rows = this.#sql
			.exec<MessageRow>(
				`SELECT seq, id, from_user, from_name, body, sent_at, to_user FROM messages
				 WHERE seq > ?2 AND ${visible} ORDER BY seq ${order} LIMIT ?3`,
				viewer ?? null,
				Math.max(since, historyStart),
				limit + 1,
			)
			.toArray();
		const over = rows.length > limit;
		const kept = rows.slice(0, limit);
		if (keep === "newest") kept.reverse();
		const messages: Message[] = [];
		for (const row of kept) {
			const message = toMessage(row);
			if (typeof message === "string") this.#reportUnreadable(row.seq, message);
			else messages.push(message);
		}
		const left = messages.length < kept.length;
		const pruned = since < historyStart || this.#prunedAfter(since);
		return { messages, truncated: over || left || (keep === "newest" && pruned) };
	}

	/**
	 * (1.3) Every stored message with `after` < seq ≤ `through`, direct ones included, each with
	 * the connection that sent it: what a shard's stream carries. `pruned`: some of the range is gone.
	 */
	span(after: number, through: number): { messages: StoredMessage[]; pruned: boolean } {
		if (!this.#ready || through <= after) return { messages: [], pruned: false };
		const rows = this.#sql
			.exec<MessageRow & { from_connection: string | null }>(
				`SELECT seq, id, from_user, from_name, body, sent_at, to_user, from_connection FROM messages
				 WHERE seq > ? AND seq <= ? ORDER BY seq`,
				after,
				through,
			)
			.toArray();
		const messages: StoredMessage[] = [];
		for (const row of rows) {
			const message = toMessage(row);
			if (typeof message === "string") this.#reportUnreadable(row.seq, message);
			else messages.push(row.from_connection === null ? { message } : { message, fromConnection: row.from_connection });
		}
		return { messages, pruned: (rows[0]?.seq ?? through + 1) > after + 1 && this.#prunedAfter(after) };
	}

	/** Whether messages numbered after `since` have been pruned away. */
	#prunedAfter(since: number): boolean {
		const oldest = this.#sql.exec<{ seq: number | null }>("SELECT MIN(seq) AS seq FROM messages").one().seq;
		return since + 1 < (oldest ?? this.#lastSeq + 1);
	}

	#get(key: string): SqlStorageValue | undefined {
		return this.#sql.exec<{ value: SqlStorageValue }>("SELECT value FROM room_meta WHERE key = ?", key).toArray()[0]
			?.value;
	}
}

/**
 * A stored row as a message, or why it cannot be one: a body that does not parse, or that breaks
 * the value rule (rows stored before the rule was enforced) and so could not be encoded or sent.
 */
function toMessage(row: MessageRow): Message | string {
	let body: unknown;
	try {
		body = JSON.parse(row.body);
	} catch {
		return "its body is not JSON";
	}
	const problem = jsonValueProblem(body);
	if (problem) return `its body ${problem}`;
	const message: Message = {
		id: row.id,
		seq: row.seq,
		from: { userId: row.from_user, name: row.from_name },
		message: body,
		sentAt: row.sent_at,
	};
	if (row.to_user !== null) message.to = row.to_user;
	return message;
}
