/**
 * What a room leaves behind after each event it handles: the one alarm at the earliest of the idle
 * reaper's backstop, the next grace's end, (1.3) what its calls to its other objects wait for and
 * (1.4) its events' next try, or, for a room with nothing left to keep, no storage at all.
 */
import { clock } from "../clock";
import type { RoomAlarm } from "./alarm-plan";
import type { RoomState } from "./room-state";

/**
 * Plans the alarm; a room with nobody here, nobody in grace, no message and (1.4) no undelivered
 * event deletes its storage and its alarm instead, so that a name once used costs nothing for
 * ever. Its next connection starts it anew. Every caller has just ended the graces that were due
 * (catchUp, or the alarm itself).
 */
export async function keepUp(
	storage: DurableObjectStorage,
	room: RoomState,
	alarm: RoomAlarm,
	holdsElsewhere = false,
	deadline?: number,
): Promise<void> {
	const { hub, store, settings, bans, events } = room;
	// `holdsElsewhere`: a root whose shards hold connections keeps its placement rows; (1.4) a room
	// keeps an unexpired ban and its undelivered events.
	const keeps = holdsElsewhere || bans.holdsAny(clock.now()) || events?.undelivered === true;
	if (store.prepared && store.holdsNoMessages && hub.empty && !keeps) {
		await storage.deleteAlarm();
		await storage.deleteAll();
		store.forget();
		bans.forget();
		events?.forget();
		alarm.ran();
		return;
	}
	// (1.4) Deliveries due start now, on their own; the alarm comes back for retries.
	events?.afterEvent();
	await alarm.plan({
		live: hub.size > 0,
		graceDeadline: earliest(
			earliest(hub.nextGraceDeadline(), deadline),
			earliest(bans.nextEnd(clock.now()), events?.wakeAt()),
		),
		now: clock.now(),
		backstopMs: settings.idleSweepSeconds * 1000,
	});
}

/** The earlier of two times, either of which may be missing. */
export function earliest(a: number | undefined, b: number | undefined): number | undefined {
	if (a === undefined) return b;
	return b === undefined ? a : Math.min(a, b);
}
