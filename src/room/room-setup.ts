/**
 * The Room object's parts, built once per instance: its store, its Hub and what the handlers work
 * on (RoomState). The hooks and logs are the Room's, passed in, so that a subclass's overrides
 * (`onMessage`, `onJoin`, `onLeave`) are the ones called.
 */
import { clock } from "../clock";
import type { RoomsEnv } from "../env";
import type { LeaveReason, User } from "../protocol";
import type { RoomSettings } from "../settings";
import { RoomBans } from "./bans";
import type { Connection } from "./connection";
import { DeliveryBudget } from "./delivery-budget";
import { buildRoomEvents } from "./events/room-events";
import { errorDetail, type IncomingMessage, type MessageDecision, runRosterHook, screenMessage } from "./hooks";
import { Hub } from "./hub";
import { roomInputLag } from "./input-lag";
import { MqttSessions } from "./mqtt/sessions";
import { PresenceStore } from "./presence/store";
import type { RoomState } from "./room-state";
import { RoomStore } from "./store";

export interface RoomSetup {
	ctx: DurableObjectState;
	/** The Worker's environment: (1.4) where room events go. */
	env: RoomsEnv;
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
	/**
	 * Something outside an entry point changed what the alarm waits for (a fan-out let go of a peer,
	 * a delivery of room events ended): the alarm must be planned.
	 */
	planLater: (cause: string) => void;
	released: (connection: Connection, reason: LeaveReason) => void;
	/** (1.5) An MQTT session ends, and an MQTT session's CONNECT was answered. */
	releasing: (connection: Connection, reason: LeaveReason) => void;
	mqttOpened: (connection: Connection) => void;
	logHook: (problem: string, error?: unknown) => void;
}

export function buildRoomState(setup: RoomSetup): RoomState {
	const { ctx, settings, name, hooks, logHook } = setup;
	const store = new RoomStore(ctx.storage, { historyLimit: settings.historyLimit }, (seq, problem) =>
		console.warn(`room "${name()}": message ${seq} left out of a history: ${problem}`),
	);
	// (1.4) Only a room's root reports its events: a shard holds no roster and stores no message.
	const events = setup.mirror
		? undefined
		: buildRoomEvents(setup.env, settings, {
				sql: ctx.storage.sql,
				room: name,
				now: () => clock.now(),
				random: Math.random,
				prepare: () => store.prepare(),
				prepared: () => store.prepared,
				settled: () => setup.planLater("room events delivery"),
				later: (run, ms) => setTimeout(run, ms),
				waitUntil: (promise) => ctx.waitUntil(promise),
				log: (text) => console.warn(text),
			});
	if (events) store.appended = (message) => events.messageStored(message);
	const hub = new Hub({
		sockets: () => ctx.getWebSockets(),
		store: new PresenceStore(
			ctx.storage.sql,
			() => store.prepared,
			(work) => {
				try {
					ctx.storage.transactionSync(work);
				} catch (error) {
					// Storage is as before the roster change, memory is not: start again from storage.
					console.error(`room "${name()}": a roster change failed and was rolled back: ${errorDetail(error)}`);
					ctx.abort("a roster change failed and was rolled back");
					throw error;
				}
			},
		),
		graceMs: settings.leaveGraceSeconds * 1000,
		presenceBatchMs: settings.presenceBatchMs,
		batchMs: settings.batchMs,
		maxBufferedBytes: settings.maxBufferedBytes,
		warn: (text) => console.warn(`room "${name()}": ${text}`),
		letGo: () => setup.planLater("presence flush"),
		// After the change that caused it is whole, in the same turn: a hook sees a settled room.
		released: setup.released,
		releasing: setup.releasing,
		mqttOpened: setup.mqttOpened,
		mirror: setup.mirror,
		remotePresence: () => state.remotePresence,
		rosterChanged: (change) => {
			// Inside the roster's transaction: the change and its events are stored together.
			events?.rosterChanged(change, hub.counts().userCount);
			queueMicrotask(() =>
				runRosterHook(change, { onJoin: hooks.onJoin, onLeave: hooks.onLeave }, (problem, error) =>
					logHook(problem, error),
				),
			);
		},
	});
	const state: RoomState = {
		hub,
		store,
		mqttSessions: new MqttSessions(ctx.storage.sql),
		bans: new RoomBans({ sql: ctx.storage.sql, prepare: () => store.prepare(), prepared: () => store.prepared }),
		settings,
		budget: new DeliveryBudget(settings.roomDeliveryRate),
		lag: roomInputLag(),
		events,
		screen: (incoming) =>
			screenMessage(hooks.onMessage, { room: name(), ...incoming }, settings.maxMessageBytes, logHook),
	};
	return state;
}
