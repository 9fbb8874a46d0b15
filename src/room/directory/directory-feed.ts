/**
 * (1.4) At a room's root: what the directory shows of the room, kept in step (partitions.ts says
 * the design, feed-plan.ts when a call goes). The record in storage holds what the partition has
 * acknowledged, the version it is at and when the room's current occupancy began: after an
 * eviction or a crash the root compares it with its roster and sends what is owed. A root owing
 * its partition anything keeps its storage (RoomObjects.holdsElsewhere), so a vacated room's
 * removal is acknowledged before the room forgets it was ever listed.
 */
import type { OccupancyData } from "../../protocol";
import {
	afterSend,
	type DirectorySnapshot,
	type DirectoryUpdate,
	type FeedView,
	FULL_BUDGET,
	feedWakeAt,
	IN_FLIGHT_MS,
	nextSendAt,
	nextVersion,
	retryDelayMs,
	type SendBudget,
} from "./feed-plan";

const RECORD_KEY = "directory";

interface FeedRecord {
	/** What the partition holds; undefined: not known (it answered a newer version than ours). */
	acked: DirectorySnapshot | null | undefined;
	/** The newest version the partition has answered. */
	version: number;
	/** When the current occupancy began; null while the room is vacant. */
	occupiedAt: number | null;
}

export interface DirectoryFeedOptions {
	room: string;
	kv: SyncKvStorage;
	/** Whether the room has ever written (only then can a record be in storage). */
	prepared: () => boolean;
	counts: () => OccupancyData;
	/** Sends an update to the room's partition; answers the version the partition now holds. */
	send: (update: DirectoryUpdate) => Promise<number>;
	waitUntil: (promise: Promise<unknown>) => void;
	/** After an answer or a failure: the alarm planned again. */
	changed: () => void;
	now: () => number;
	logFailure: (entryPoint: string, error: unknown) => void;
}

export class DirectoryFeed {
	readonly #options: DirectoryFeedOptions;
	#record: FeedRecord | undefined;
	#budget: SendBudget = FULL_BUDGET;
	#retryAt: number | undefined;
	#failures = 0;
	/** The call in flight: its own object, so that the answer of a call given up on is ignored. */
	#inFlight: { since: number } | undefined;

	constructor(options: DirectoryFeedOptions) {
		this.#options = options;
	}

	/** After every event: a call goes if one is due. */
	pump(): void {
		const now = this.#options.now();
		if (this.#inFlight && now >= this.#inFlight.since + IN_FLIGHT_MS) this.#failed(new Error("no answer"), now);
		const current = this.#current(now);
		const at = nextSendAt(this.#view(current));
		if (at !== undefined && at <= now) this.#send(current, now);
	}

	/** When the room's alarm must run for the directory, if ever. */
	wakeAt(): number | undefined {
		if (this.#record === undefined && !this.#inFlight) return undefined;
		const now = this.#options.now();
		return feedWakeAt(this.#view(this.#current(now)), now);
	}

	/** Whether the partition may still list the room, or a call is out: the room keeps its storage until it is told. */
	get owed(): boolean {
		return this.#inFlight !== undefined || this.#load().acked !== null;
	}

	#view(current: DirectorySnapshot | null): FeedView {
		const record = this.#load();
		return {
			acked: record.acked,
			current,
			budget: this.#budget,
			inFlightSince: this.#inFlight?.since,
			retryAt: this.#retryAt,
		};
	}

	/** The room as the directory should show it; an occupancy's start or end is written down. */
	#current(now: number): DirectorySnapshot | null {
		const { userCount, connectionCount } = this.#options.counts();
		const record = this.#load();
		const occupied = userCount > 0;
		if (occupied !== (record.occupiedAt !== null)) {
			record.occupiedAt = occupied ? now : null;
			this.#save();
		}
		return record.occupiedAt === null ? null : { userCount, connectionCount, occupiedAt: record.occupiedAt };
	}

	#send(snapshot: DirectorySnapshot | null, now: number): void {
		const { room, send, waitUntil, changed } = this.#options;
		const update: DirectoryUpdate = { room, version: nextVersion(this.#load().version, now), snapshot };
		const call = { since: now };
		this.#inFlight = call;
		this.#budget = afterSend(this.#budget, now);
		this.#retryAt = undefined;
		// The call starts now; one that throws at once is a failure like any other.
		const answered = new Promise<number>((resolve) => resolve(send(update)))
			.then(
				(version) => {
					if (this.#inFlight === call) this.#answered(update, version);
				},
				(error: unknown) => {
					if (this.#inFlight === call) this.#failed(error, this.#options.now());
				},
			)
			.then(changed);
		waitUntil(answered);
	}

	#answered(update: DirectoryUpdate, version: number): void {
		const record = this.#load();
		this.#inFlight = undefined;
		this.#failures = 0;
		// A newer version than ours (a clock that went back): what the partition holds is not known, and is sent again.
		record.acked = version === update.version ? update.snapshot : undefined;
		record.version = Math.max(record.version, version);
		this.#save();
	}

	#failed(error: unknown, now: number): void {
		this.#inFlight = undefined;
		this.#failures += 1;
		this.#retryAt = now + retryDelayMs(this.#failures);
		this.#options.logFailure(`directory (try ${this.#failures})`, error);
	}

	#load(): FeedRecord {
		if (this.#record === undefined) {
			const { kv, prepared } = this.#options;
			const stored = prepared() ? kv.get<FeedRecord>(RECORD_KEY) : undefined;
			this.#record = stored ?? { acked: null, version: 0, occupiedAt: null };
		}
		return this.#record;
	}

	#save(): void {
		if (this.#record) this.#options.kv.put(RECORD_KEY, this.#record);
	}
}
