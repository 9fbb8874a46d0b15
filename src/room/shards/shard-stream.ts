/**
 * (1.3) At a shard, the root's stream delivered to its sockets (DESIGN.md §3): each seq once, in
 * order (OrderedStream, a hole filled from the root's history), each signal once, after the
 * message it followed at the root, and to each connection only what is meant for it: not its own
 * message, a direct message only to its user, nothing at or below the `lastSeq` its `Registered`
 * already covered. Where the stream stands is kept in the shard's storage in the same turn as the
 * sends (the output gate holds them until it is written), so an evicted shard, whose sockets
 * survive, drops what it already delivered when the root sends it again.
 */
import { CloseCodes, LeaveReasons, type OccupancyData } from "../../protocol";
import type { Connection } from "../connection";
import type { Hub } from "../hub";
import type { Identity } from "../roster";
import type { DeliverAnswer, DeliverCall, FillAnswer, LeaveStamp, StreamMessage, StreamSignal } from "./calls";
import { OrderedStream, type SeqRange } from "./ordered-stream";
import { LeavingConnections } from "./shard-leaving";
import { type PresencePosition, ShardPresence } from "./shard-presence";

const POSITION_KEY = "stream";
const STREAM_OPTIONS = { retryMs: 1000, recentLimit: 512 };
const FELL_BEHIND = "missed messages the room no longer holds; reconnect with since";

interface Position {
	next: number;
	root: string | undefined;
	sig: number;
	presence?: PresencePosition;
}

export interface ShardStreamOptions {
	hub: Hub;
	kv: SyncKvStorage;
	/** Asks the root for a hole's messages. */
	fill: (first: number, last: number) => Promise<FillAnswer>;
	waitUntil: (promise: Promise<unknown>) => void;
	/** After a fill outside an entry point: the alarm may need planning. */
	changed: () => void;
	now: () => number;
	logFailure: (entryPoint: string, error: unknown) => void;
}

export class ShardStream {
	readonly #options: ShardStreamOptions;
	#stream: OrderedStream<StreamMessage> | undefined;
	/** The root instance whose signals are numbered by `#sig`. */
	#root: string | undefined;
	#sig = 0;
	/** Signals taken but waiting for the message they follow (behind a hole). */
	#held: StreamSignal[] = [];
	#restored = false;
	readonly #presence: ShardPresence;
	readonly #leaving: LeavingConnections;
	/** While a `count` connection's paced `Occupancy` waits (the alarm stands in after an eviction). */
	#occupancyTimer: ReturnType<typeof setTimeout> | undefined;

	constructor(options: ShardStreamOptions) {
		this.#options = options;
		this.#leaving = new LeavingConnections(options.hub);
		this.#presence = new ShardPresence(options.hub, (id, pres) => this.#leaving.hearsRow(id, pres));
	}

	/** A `deliver` call: the shard running as `epoch` takes it, or answers its epoch (it restarted). */
	deliver(call: DeliverCall, epoch: string): DeliverAnswer {
		this.#restore();
		if (call.epoch !== epoch) return { epoch, sig: 0, pres: 0 };
		if (call.root !== this.#root) {
			this.#root = call.root;
			this.#sig = 0;
			this.#leaving.rootChanged(call.root);
		}
		const stream = this.#current(call.span.first);
		const step = stream.receive(call.span, this.#options.now());
		for (const signal of call.signals) {
			if (signal.sig <= this.#sig) continue;
			this.#sig = signal.sig;
			this.#held.push(signal);
		}
		if (call.presencePruned) {
			this.#dropAll();
			this.#presence.reset();
		} else this.#presence.receive(call.presence);
		this.#emit(step.deliver);
		if (step.fetch) this.#fetch(step.fetch);
		this.#release();
		this.#save();
		return { epoch, sig: this.#sig, pres: this.#presence.accepted };
	}

	/** The room's counts as this shard last learned them. */
	get counts(): OccupancyData {
		return this.#presence.counts;
	}

	/**
	 * The root registered `connection`, its `Registered` (in `frames`) encoded at `seq`. Behind the
	 * stream, it is sent what the shard delivered since; ahead of it, it skips what it already has.
	 */
	registered(
		connection: Connection,
		how: {
			identity: Identity;
			mode: "events" | "batched" | "count";
			batch: boolean;
			seq: number;
			pres: number;
			counts: OccupancyData;
		},
		frames: string[],
	): void {
		this.#restore();
		const { hub } = this.#options;
		const alone = ![...hub.connections()].some((other) => other !== connection && other.identity);
		hub.attach(connection, how.identity, how);
		for (const frame of frames) hub.reply(connection.socket, frame);
		if (!this.#presence.registered(connection, how)) {
			hub.drop(connection.socket, LeaveReasons.close, CloseCodes.tooSlow, FELL_BEHIND);
			return;
		}
		const stream = this.#stream;
		// A stream nobody else hears is restarted at this stamp (an earlier one may have been left behind).
		if (!stream || (alone && stream.next <= how.seq)) this.#stream = new OrderedStream(how.seq + 1, STREAM_OPTIONS);
		else if (stream.next - 1 > how.seq) {
			const missed = stream.recentAfter(how.seq);
			if (!missed) hub.drop(connection.socket, LeaveReasons.close, CloseCodes.tooSlow, FELL_BEHIND);
			else
				for (const message of missed)
					if (meantFor(connection, message)) hub.sendAll([connection.socket], message.frame);
		}
		this.#save();
	}

	/** The root unregistered `connection`: it hears the stream up to `stamp`, then no more. */
	unregistered(connection: Connection, stamp: LeaveStamp, frames: string[]): void {
		this.#restore();
		this.#leaving.add(connection, stamp, frames);
		this.#release();
	}

	/** Runs a reply to `connection` now, or after its `Unregistered` if that still waits. */
	reply(connection: Connection, send: () => void): void {
		this.#leaving.after(connection, send);
	}

	/** Connections whose `Unregister` the delivery has caught up with: detached now. */
	#release(): void {
		const held = this.#held[0];
		const at: LeaveStamp = {
			seq: this.#stream ? this.#stream.next - 1 : Number.POSITIVE_INFINITY,
			pres: this.#presence.delivered,
			root: this.#root ?? "",
			sig: held ? held.sig - 1 : this.#sig,
		};
		const detach = (connection: Connection) => {
			this.#presence.forget(connection.id);
			this.#options.hub.detach(connection);
		};
		if (this.#leaving.release(at, detach)) this.settle();
	}

	/** After `connection` left: a shard nobody registered on keeps no stream. */
	settle(connection?: Connection): void {
		if (connection) {
			this.#presence.forget(connection.id);
			this.#leaving.forget(connection.id);
		}
		if ([...this.#options.hub.connections()].some((connection) => connection.identity)) return;
		this.#stream = undefined;
		this.#held = [];
		this.#presence.reset();
		this.#options.kv.delete(POSITION_KEY);
	}

	/** A hole whose fill went unanswered is asked for again; `count` connections told what is due. */
	due(): void {
		this.#restore();
		const now = this.#options.now();
		const hole = this.#stream?.due(now);
		if (hole) this.#fetch(hole);
		this.#occupancy();
	}

	wakeAt(): number | undefined {
		const times = [this.#stream?.wakeAt, this.#presence.occupancyAt(this.#options.now())];
		const due = times.filter((time) => time !== undefined);
		return due.length === 0 ? undefined : Math.min(...due);
	}

	#current(first: number): OrderedStream<StreamMessage> {
		this.#stream ??= new OrderedStream(first, STREAM_OPTIONS);
		return this.#stream;
	}

	/**
	 * Messages in order, each presence row and held signal right after the message it followed at
	 * the root (a row before a signal written after the same message: their order there is not kept).
	 */
	#emit(messages: readonly StreamMessage[]): void {
		const next = this.#stream?.next ?? 0;
		const due = this.#held.filter((signal) => signal.afterSeq < next);
		this.#held = this.#held.filter((signal) => signal.afterSeq >= next);
		let at = 0;
		for (const message of messages) {
			this.#presence.take(message.seq - 1);
			for (let signal = due[at]; signal && signal.afterSeq < message.seq; signal = due[++at])
				this.#send(signal, signal.afterSeq);
			this.#send(message, message.seq - 1);
		}
		this.#presence.take(next - 1);
		for (const signal of due.slice(at)) this.#send(signal, signal.afterSeq);
		this.#occupancy();
	}

	/** `count` connections told what is due now, and a timer for what is paced, as on the root. */
	#occupancy(): void {
		const now = this.#options.now();
		// What each was told is known again after an eviction only from the saved position.
		if (this.#presence.occupancy(now)) this.#save();
		const at = this.#presence.occupancyAt(now);
		if (this.#occupancyTimer || at === undefined || at <= now) return;
		this.#occupancyTimer = setTimeout(() => {
			this.#occupancyTimer = undefined;
			this.#occupancy();
			this.#options.changed();
		}, at - now);
	}

	/** One frame to every registered connection it is meant for; `after`: the seq it follows. */
	#send(item: StreamMessage | StreamSignal, after: number): void {
		const targets: WebSocket[] = [];
		for (const connection of this.#options.hub.connections()) {
			if (!meantFor(connection, item) || (connection.liveAfter ?? -1) > after) continue;
			const hears =
				"seq" in item
					? this.#leaving.hearsMessage(connection, item.seq)
					: this.#leaving.hearsSignal(connection, this.#root, item.sig);
			if (hears) targets.push(connection.socket);
		}
		if (targets.length > 0) this.#options.hub.sendAll(targets, item.frame);
	}

	#fetch(range: SeqRange): void {
		const fetched = this.#options
			.fill(range.first, range.last)
			.then(({ span, pruned }) => {
				const stream = this.#stream;
				if (!stream) return;
				const step = stream.receive(span, this.#options.now());
				this.#emit(step.deliver);
				if (pruned) this.#dropAll();
				this.#release();
				this.#save();
			})
			.catch((error: unknown) => this.#options.logFailure("fill", error))
			.finally(() => this.#options.changed());
		this.#options.waitUntil(fetched);
	}

	/** The root no longer has what its registered connections missed: they resume with `since`. */
	#dropAll(): void {
		for (const connection of [...this.#options.hub.connections()]) {
			if (connection.identity)
				this.#options.hub.drop(connection.socket, LeaveReasons.close, CloseCodes.tooSlow, FELL_BEHIND);
		}
	}

	#save(): void {
		const stream = this.#stream;
		if (!stream || ![...this.#options.hub.connections()].some((connection) => connection.identity)) return;
		const position: Position = { next: stream.next, root: this.#root, sig: this.#sig };
		const presence = this.#presence.position(this.#options.now());
		if (presence) position.presence = presence;
		this.#options.kv.put(POSITION_KEY, position);
	}

	/** After an eviction: the stream where it stood, if anyone here still hears it. */
	#restore(): void {
		if (this.#restored) return;
		this.#restored = true;
		this.#leaving.restore();
		const position = this.#options.kv.get<Position>(POSITION_KEY);
		if (!position) return;
		this.#stream = new OrderedStream(position.next, STREAM_OPTIONS);
		this.#root = position.root;
		this.#sig = position.sig;
		if (position.presence) this.#presence.restore(position.presence);
	}
}

/** Whether a stream item is for this connection: registered, not its own, and (`to`) its user's. */
function meantFor(connection: Connection, item: { to?: string; except?: string; seq?: number }): boolean {
	const identity = connection.identity;
	// (1.5) An MQTT session hears its own messages (not its own signals).
	const own = connection.id === item.except && !(connection.mqtt && item.seq !== undefined);
	if (!identity || own) return false;
	return item.to === undefined || identity.userId === item.to;
}
