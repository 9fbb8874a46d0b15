/**
 * What one client has seen of its room: the roster (from `Registered`, `Presence`, `UserJoined`,
 * `UserUpdated`, `UserLeft`) and every message `seq` it received (live or in a resume's history),
 * with how often. Presence frames and `Registered` are kept as received and read only when
 * someone asks (`settle`): a restart drill's clients then spend no CPU parsing thousand-user
 * rosters while the server's recovery is being timed.
 *
 * Once `watch` is called, every change to the roster that concerns another user is observed:
 * a leave, a join, or a user missing from a new `Registered` roster who was in the old one.
 */
import { parseFrame, type RegisteredData } from "./server-frames.ts";

export type PresenceObservationKind = "left" | "joined" | "missing";

export interface PresenceObservation {
	kind: PresenceObservationKind;
	userId: string;
	/** When the frame arrived (`performance.now()`). */
	at: number;
}

interface KeptFrame {
	raw: Buffer;
	at: number;
}

export class RoomView {
	readonly #self: string;
	readonly #roster = new Set<string>();
	readonly #seqCounts = new Map<number, number>();
	#unread: KeptFrame[] = [];
	#everRegistered = false;
	#lastSeq = 0;
	/** Roster changes of frames that arrived from then on are observed. */
	#watchingSince = Number.POSITIVE_INFINITY;
	readonly observations: PresenceObservation[] = [];

	constructor(selfUserId: string) {
		this.#self = selfUserId;
	}

	/** Keeps a `Registered` or presence frame, to be read by `settle`. */
	keep(raw: Buffer, at: number): void {
		this.#unread.push({ raw, at });
	}

	/** A live `Message`. */
	message(seq: number): void {
		this.#count(seq);
	}

	/** Observes roster changes of frames arriving from `at` on. */
	watch(at: number): void {
		this.#watchingSince = at;
	}

	/** The last seq seen: where a resume starts. */
	get lastSeq(): number {
		this.settle();
		return this.#lastSeq;
	}

	/** How many times each seq arrived. */
	get seqCounts(): ReadonlyMap<number, number> {
		this.settle();
		return this.#seqCounts;
	}

	/** Everyone present as this client knows it, itself included. */
	get roster(): ReadonlySet<string> {
		this.settle();
		return this.#roster;
	}

	/** Reads every kept frame, in the order they arrived. */
	settle(): void {
		const unread = this.#unread;
		if (unread.length === 0) return;
		this.#unread = [];
		for (const { raw, at } of unread) {
			const frame = parseFrame(raw);
			switch (frame.event) {
				case "Registered":
					this.#registered(frame.data, at);
					break;
				case "Presence":
					for (const user of frame.data.joined) this.#joined(user.userId, at);
					for (const user of frame.data.updated) this.#roster.add(user.userId);
					for (const { user } of frame.data.left) this.#left(user.userId, at);
					break;
				case "UserJoined":
					this.#joined(frame.data.user.userId, at);
					break;
				case "UserUpdated":
					this.#roster.add(frame.data.user.userId);
					break;
				case "UserLeft":
					this.#left(frame.data.user.userId, at);
					break;
			}
		}
	}

	#registered(data: RegisteredData, at: number): void {
		for (const message of data.history) this.#count(message.seq);
		this.#lastSeq = Math.max(this.#lastSeq, data.lastSeq);
		const users = new Set(data.users.map((user) => user.userId));
		if (this.#everRegistered) {
			for (const userId of this.#roster) {
				if (!users.has(userId)) this.#observe("missing", userId, at);
			}
		}
		this.#everRegistered = true;
		this.#roster.clear();
		for (const userId of users) this.#roster.add(userId);
	}

	#joined(userId: string, at: number): void {
		this.#roster.add(userId);
		this.#observe("joined", userId, at);
	}

	#left(userId: string, at: number): void {
		this.#roster.delete(userId);
		this.#observe("left", userId, at);
	}

	#observe(kind: PresenceObservationKind, userId: string, at: number): void {
		if (userId !== this.#self && at >= this.#watchingSince) this.observations.push({ kind, userId, at });
	}

	#count(seq: number): void {
		this.#seqCounts.set(seq, (this.#seqCounts.get(seq) ?? 0) + 1);
		if (seq > this.#lastSeq) this.#lastSeq = seq;
	}
}
