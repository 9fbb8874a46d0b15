/**
 * The Room object's parts, built once per instance: its store, its Hub and what the handlers work
 * on (RoomState). The hooks and logs are the Room's, passed in, so that a subclass's overrides
 * (`onMessage`, `onJoin`, `onLeave`) are the ones called.
 */
import type { LeaveReason, User } from "../protocol";
import type { RoomSettings } from "../settings";
import { RoomBans } from "./bans";
import type { Connection } from "./connection";
import { DeliveryBudget } from "./delivery-budget";
import { type IncomingMessage, type MessageDecision, runRosterHook, screenMessage } from "./hooks";
import { Hub } from "./hub";
import { roomInputLag } from "./input-lag";
import { PresenceStore } from "./presence/store";
import type { RoomState } from "./room-state";
import { RoomStore } from "./store";

export interface RoomSetup {
	ctx: DurableObjectState;
	settings: RoomSettings;
	/** The room's name, read when it is needed (a subclass may define it). */
	name: () => string;
	/** (1.3) A shard: the roster is its root's. */
	mirror: boolean;
	hooks: {
		onMessage: (message: IncomingMessage) => MessageDecision;
		onJoin: (user: User) => void;
		onLeave: (user: User, reason: LeaveReason) => void;
	};
	/** A fan-out outside an entry point let go of a peer: the alarm must be planned. */
	letGo: () => void;
	released: (connection: Connection, reason: LeaveReason) => void;
	logHook: (problem: string, error?: unknown) => void;
}

export function buildRoomState(setup: RoomSetup): RoomState {
	const { ctx, settings, name, hooks, logHook } = setup;
	const store = new RoomStore(ctx.storage, { historyLimit: settings.historyLimit }, (seq, problem) =>
		console.warn(`room "${name()}": message ${seq} left out of a history: ${problem}`),
	);
	const hub = new Hub({
		sockets: () => ctx.getWebSockets(),
		store: new PresenceStore(ctx.storage.sql, () => store.prepared),
		graceMs: settings.leaveGraceSeconds * 1000,
		presenceBatchMs: settings.presenceBatchMs,
		batchMs: settings.batchMs,
		maxBufferedBytes: settings.maxBufferedBytes,
		warn: (text) => console.warn(`room "${name()}": ${text}`),
		letGo: setup.letGo,
		// After the change that caused it is whole, in the same turn: a hook sees a settled room.
		released: setup.released,
		mirror: setup.mirror,
		remotePresence: () => state.remotePresence,
		rosterChanged: (change) =>
			queueMicrotask(() =>
				runRosterHook(change, { onJoin: hooks.onJoin, onLeave: hooks.onLeave }, (problem, error) =>
					logHook(problem, error),
				),
			),
	});
	const state: RoomState = {
		hub,
		store,
		bans: new RoomBans({ sql: ctx.storage.sql, prepare: () => store.prepare(), prepared: () => store.prepared }),
		settings,
		budget: new DeliveryBudget(settings.roomDeliveryRate),
		lag: roomInputLag(),
		screen: (incoming) =>
			screenMessage(hooks.onMessage, { room: name(), ...incoming }, settings.maxMessageBytes, logHook),
	};
	return state;
}
