/**
 * A root and one shard for the presence property test (shards-presence-property.test.ts): the
 * root's log as an array (the model) with its pruning, the calls in transit, the root's durable
 * and remembered acknowledgement, the shard's mirror, and every registration with what it got.
 * Each step is one thing that may happen; `drain` lets the calls arrive until the shard has the log.
 */
import fc from "fast-check";
import { expect } from "vitest";
import type { OccupancyData, PresenceMode } from "../../src/protocol";
import type { PresenceLogRow } from "../../src/room/shards/presence-log";
import { type PresenceStamp, ShardPresenceMirror } from "../../src/room/shards/shard-presence-mirror";

const IDS = ["a", "b", "c", "d"];
const id = fc.constantFrom(...IDS);
const mode = fc.constantFrom<PresenceMode>("events", "batched", "count");

export type Op =
	| { kind: "change"; events: boolean; batched: boolean; except?: string; seqStep: number; users: number }
	| { kind: "send"; maxRows: number; pipelined: boolean }
	| { kind: "deliver"; pick: number; keep: boolean; answerLost: boolean }
	| { kind: "lose"; pick: number }
	| { kind: "persist" }
	| { kind: "restart-root" }
	| { kind: "restart-shard" }
	| { kind: "register"; id: string; mode: PresenceMode }
	| { kind: "reply" }
	| { kind: "unregister"; id: string }
	| { kind: "take"; behind: number }
	| { kind: "tick"; ms: number };

export const op: fc.Arbitrary<Op> = fc.oneof(
	{
		weight: 5,
		arbitrary: fc.record(
			{
				kind: fc.constant("change" as const),
				events: fc.boolean(),
				batched: fc.boolean(),
				except: id,
				seqStep: fc.integer({ min: 0, max: 3 }),
				/** 0: the counts stay as they were. */
				users: fc.integer({ min: 0, max: 9 }),
			},
			{ requiredKeys: ["kind", "events", "batched", "seqStep", "users"] },
		),
	},
	{
		weight: 4,
		arbitrary: fc.record({
			kind: fc.constant("send" as const),
			maxRows: fc.integer({ min: 1, max: 4 }),
			pipelined: fc.boolean(),
		}),
	},
	{
		weight: 5,
		arbitrary: fc.record({
			kind: fc.constant("deliver" as const),
			pick: fc.nat(),
			keep: fc.boolean(),
			answerLost: fc.boolean(),
		}),
	},
	{ weight: 2, arbitrary: fc.record({ kind: fc.constant("lose" as const), pick: fc.nat() }) },
	{ weight: 2, arbitrary: fc.constant({ kind: "persist" as const }) },
	{ weight: 1, arbitrary: fc.constant({ kind: "restart-root" as const }) },
	{ weight: 1, arbitrary: fc.constant({ kind: "restart-shard" as const }) },
	{ weight: 3, arbitrary: fc.record({ kind: fc.constant("register" as const), id, mode }) },
	{ weight: 2, arbitrary: fc.constant({ kind: "reply" as const }) },
	{ weight: 1, arbitrary: fc.record({ kind: fc.constant("unregister" as const), id }) },
	{ weight: 2, arbitrary: fc.record({ kind: fc.constant("take" as const), behind: fc.integer({ min: 0, max: 4 }) }) },
	{ weight: 2, arbitrary: fc.record({ kind: fc.constant("tick" as const), ms: fc.integer({ min: 0, max: 1500 }) }) },
);

/** One registration of a connection on the shard, and what it received. */
export interface Registration {
	id: string;
	mode: PresenceMode;
	stamp: PresenceStamp;
	got: string[];
	told?: OccupancyData;
	/** The log position of the counts last told: an `Occupancy` never tells counts older than that. */
	toldAt: number;
	/** Ended by an unregistration, a re-registration, a 4001 or the shard's restart: only a prefix is owed. */
	ended: boolean;
}

export function owed(rows: readonly PresenceLogRow[], registration: Registration): string[] {
	const frames: string[] = [];
	for (const row of rows) {
		if (row.pres <= registration.stamp.pres) continue;
		if (registration.mode === "events" && row.events && row.except !== registration.id) frames.push(row.events);
		if (registration.mode === "batched" && row.batched) frames.push(row.batched);
	}
	return frames;
}

export class Simulation {
	/** Every row the root ever wrote (the model), and what its log still holds. */
	readonly rows: PresenceLogRow[] = [];
	prunedThrough = 0;
	seq = 0;
	counts: OccupancyData = { userCount: 0, connectionCount: 0 };
	/** Durable at the root: whether it follows the shard, and the acknowledgement it stored. */
	following = false;
	stored = 0;
	/** The root's memory: the shard's acknowledgement as last answered, and the last row sent (a root sending ahead of it). */
	acked: number | undefined;
	sentThrough = 0;
	readonly atRoot = new Set<string>();
	network: PresenceLogRow[][] = [];
	mirror: ShardPresenceMirror;
	readonly pending: { id: string; mode: PresenceMode; stamp: PresenceStamp }[] = [];
	readonly live = new Map<string, Registration>();
	readonly all: Registration[] = [];
	messagePos = 0;
	now = 0;

	constructor(readonly recentLimit: number) {
		this.mirror = new ShardPresenceMirror({ recentLimit });
	}

	/** The room's counts once the log held `pres` rows. */
	countsAt(pres: number): OccupancyData {
		return this.rows[pres - 1]?.counts ?? { userCount: 0, connectionCount: 0 };
	}

	get last(): number {
		return this.rows.length;
	}

	/** The root's log read after `pres`, as PresenceLog.after answers it. */
	read(pres: number, maxRows: number): PresenceLogRow[] {
		const kept = this.rows.filter((row) => row.pres > this.prunedThrough || row.pres === this.last);
		const rows = kept.filter((row) => row.pres > pres).slice(0, maxRows);
		expect(rows[0] === undefined || rows[0].pres === pres + 1, "a followed shard's rows were pruned").toBe(true);
		return rows;
	}

	prune(): void {
		this.prunedThrough = Math.max(this.prunedThrough, this.following ? this.stored : this.last);
	}

	unfollow(): void {
		this.following = false;
		this.acked = undefined;
		this.prune();
	}

	dispatch(): void {
		for (const delivery of this.mirror.take(this.messagePos)) {
			for (const send of delivery.sends) for (const to of send.to) this.#receive(to, send.frame);
		}
	}

	occupancy(now: number): void {
		const send = this.mirror.occupancy(now);
		for (const to of send?.to ?? []) this.#receive(to, send?.frame as string);
	}

	#receive(to: string, frame: string): void {
		const registration = this.live.get(to);
		expect(registration, `a frame for ${to}, who is not registered`).toBeDefined();
		if (!registration) return;
		if (registration.mode !== "count") {
			registration.got.push(frame);
			return;
		}
		const told = JSON.parse(frame).data as OccupancyData;
		let at = registration.toldAt;
		while (at <= this.last && JSON.stringify(this.countsAt(at)) !== JSON.stringify(told)) at++;
		expect(at, `${to} told counts older than it knew`).toBeLessThanOrEqual(this.last);
		Object.assign(registration, { told, toldAt: at });
	}

	end(registration: Registration | undefined): void {
		if (!registration) return;
		registration.ended = true;
		this.live.delete(registration.id);
	}

	apply(step: Op): void {
		switch (step.kind) {
			case "change": {
				this.seq += step.seqStep;
				const pres = this.last + 1;
				// A new connection count is unique to its row, so a count told shows where in the log it is from.
				if (step.users > 0) this.counts = { userCount: step.users, connectionCount: 100 * pres + step.users };
				this.rows.push({
					pres,
					afterSeq: this.seq,
					counts: this.counts,
					...(step.events ? { events: `e${pres}` } : {}),
					...(step.batched ? { batched: `b${pres}` } : {}),
					...(step.except ? { except: step.except } : {}),
				});
				return;
			}
			case "send": {
				if (!this.following || this.acked === undefined) return;
				const from = step.pipelined ? Math.max(this.acked, this.sentThrough) : this.acked;
				const call = this.read(from, step.maxRows);
				this.sentThrough = call[call.length - 1]?.pres ?? from;
				this.network.push(call);
				return;
			}
			case "deliver": {
				if (this.network.length === 0) return;
				const at = step.pick % this.network.length;
				const call = this.network[at] as PresenceLogRow[];
				if (!step.keep) this.network.splice(at, 1);
				const { resendAfter } = this.mirror.receive(call);
				this.dispatch();
				const answer = this.mirror.accepted;
				if (step.answerLost || !this.following || answer === undefined || this.acked === undefined) return;
				this.acked = Math.max(this.acked, answer);
				if (resendAfter !== undefined) this.sentThrough = this.acked;
				return;
			}
			case "lose":
				if (this.network.length > 0) this.network.splice(step.pick % this.network.length, 1);
				return;
			case "persist":
				if (this.acked !== undefined) this.stored = this.acked;
				this.prune();
				return;
			case "restart-root":
				this.acked = this.following ? this.stored : undefined;
				return;
			case "restart-shard":
				this.mirror = new ShardPresenceMirror({ recentLimit: this.recentLimit });
				for (const registration of [...this.live.values()]) this.end(registration);
				this.pending.length = 0;
				this.atRoot.clear();
				this.unfollow();
				return;
			case "register": {
				if (this.pending.some((each) => each.id === step.id)) return;
				const stamp = { pres: this.last, counts: this.counts };
				this.atRoot.add(step.id);
				if (!this.following) {
					this.following = true;
					this.acked = this.stored = stamp.pres;
				}
				this.pending.push({ id: step.id, mode: step.mode, stamp });
				return;
			}
			case "reply": {
				const reply = this.pending.shift();
				if (!reply) return;
				this.end(this.live.get(reply.id));
				const registration: Registration = { ...reply, got: [], ended: false, toldAt: reply.stamp.pres };
				this.all.push(registration);
				const outcome = this.mirror.register(reply.id, reply.mode, reply.stamp);
				if (!outcome.live) {
					expect(reply.stamp.pres).toBeLessThan(this.rows.length);
					registration.ended = true;
					return;
				}
				registration.got.push(...outcome.frames);
				this.live.set(reply.id, registration);
				return;
			}
			case "unregister": {
				const registration = this.live.get(step.id);
				if (!registration || this.pending.some((each) => each.id === step.id)) return;
				this.mirror.forget(step.id);
				this.end(registration);
				this.atRoot.delete(step.id);
				if (this.atRoot.size === 0) this.unfollow();
				return;
			}
			case "take":
				this.messagePos = Math.max(this.messagePos, this.seq - step.behind);
				this.dispatch();
				return;
			case "tick":
				this.now += step.ms;
				this.occupancy(this.now);
				return;
		}
	}

	/** Every reply arrives, then calls go and arrive until the shard has the whole log. */
	drain(): void {
		while (this.pending.length > 0) this.apply({ kind: "reply" });
		this.messagePos = Number.POSITIVE_INFINITY;
		for (let round = 0; round < 1000 && this.following && this.mirror.accepted !== this.last; round++) {
			this.network = [];
			this.apply({ kind: "send", maxRows: 4, pipelined: false });
			this.apply({ kind: "deliver", pick: 0, keep: false, answerLost: false });
		}
		this.dispatch();
		this.now += 1000;
		this.occupancy(this.now);
	}
}
