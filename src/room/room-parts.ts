/**
 * The Room object's parts, put together once per instance: its state (room-setup.ts), its alarm
 * and idle reaper, what it does as one of its room's objects (1.3), its MQTT sessions (1.5) and
 * the intake every client frame passes. The Room keeps the entry points; this keeps the wiring.
 */
import { clock } from "../clock";
import type { RoomsEnv } from "../env";
import type { ClientFrame, LeaveReason, User } from "../protocol";
import { type RoomSettings, readSettings } from "../settings";
import { RoomAlarm } from "./alarm-plan";
import type { Connection } from "./connection";
import type { IncomingMessage, MessageDecision } from "./hooks";
import { FrameIntake } from "./intake";
import { RoomMqtt } from "./mqtt/room-mqtt";
import { ratePolicy } from "./rate-limit";
import { IdleReaper } from "./reaper";
import { buildRoomState } from "./room-setup";
import type { RoomState } from "./room-state";
import { isRoot, objectRole } from "./shards/names";
import { RoomObjects } from "./shards/room-objects";

/** What the parts need of the Room itself: its name, its hooks, its logs, its upkeep. */
export interface RoomHost {
	name: () => string;
	hooks: {
		onMessage: (message: IncomingMessage) => MessageDecision;
		onJoin: (user: User) => void;
		onLeave: (user: User, reason: LeaveReason) => void;
	};
	/** Outside an entry point: a presence window's timer let go of a peer, a delivery of events ended. */
	planLater: (cause: string) => void;
	catchUp: (now: number) => boolean;
	logHook: (problem: string, error?: unknown) => void;
	logFailure: (entryPoint: string, error: unknown) => void;
}

export interface RoomParts {
	settings: RoomSettings;
	state: RoomState;
	alarm: RoomAlarm;
	reaper: IdleReaper;
	objects: RoomObjects;
	intake: FrameIntake;
}

export function assembleRoom(ctx: DurableObjectState, env: RoomsEnv, host: RoomHost): RoomParts {
	const settings = readSettings(env);
	const rates = ratePolicy(settings.rateLimit);
	const role = objectRole(host.name());
	// Late-bound: the state's callbacks reach parts made after it.
	let objects: RoomObjects | undefined;
	let mqtt: RoomMqtt | undefined;
	const state = buildRoomState({
		ctx,
		env,
		settings,
		name: host.name,
		mirror: role !== undefined && !isRoot(role),
		hooks: host.hooks,
		planLater: host.planLater,
		released: (connection, reason) => objects?.released(connection, reason),
		releasing: (connection, reason) => mqtt?.releasing(connection, reason),
		mqttOpened: (connection) => mqtt?.opened(connection),
		logHook: host.logHook,
	});
	const reaper = new IdleReaper(ctx, state.hub);
	const roomObjects = new RoomObjects({
		ctx,
		env,
		name: host.name(),
		settings,
		ratePolicy: rates,
		state,
		now: () => clock.now(),
		changed: () => host.planLater("a call between the room's objects"),
		logFailure: host.logFailure,
	});
	objects = roomObjects;
	const dispatch = roomObjects.isShard
		? (connection: Connection, frame: ClientFrame) => roomObjects.forward(connection, frame)
		: undefined;
	const sessions = new RoomMqtt({
		room: state,
		ratePolicy: rates,
		dispatch,
		authSecret: env.AUTH_SECRET || undefined,
		roomName: () => objectRole(host.name())?.room ?? host.name(),
		logFailure: host.logFailure,
		deadline: (at) => reaper.noteMqttDeadline(at),
		counts: () => roomObjects.counts(),
	});
	mqtt = sessions;
	const intake = new FrameIntake(state, rates, {
		catchUp: host.catchUp,
		logFailure: host.logFailure,
		dispatch,
		mqtt: sessions.ingress,
	});
	return { settings, state, alarm: new RoomAlarm(ctx.storage), reaper, objects: roomObjects, intake };
}
