/**
 * (1.5) MQTT session bookkeeping that goes to the room's root, as internal frames: a CONNECT's
 * session (opened by `Register`, see register.ts) and a persistent session's subscriptions and
 * progress. At the root they run like a client's frames; a shard forwards them in its ordered
 * reports, so a save never overtakes the CONNECT that opened the session.
 */
import type { ClientFrame } from "../../protocol";
import type { RoomState } from "../room-state";
import type { Member } from "../shards/remote-connection";
import type { MqttRegistered } from "./egress";
import type { Subscription } from "./record";

/** The internal event name of a session save (never accepted from a client: parsing refuses it). */
export const MQTT_SESSION_EVENT = "MqttSession";

/** The part of a `Register` an MQTT CONNECT adds. */
export interface MqttConnect {
	clientId: string;
	clean: boolean;
}

export interface SessionSave {
	userId: string;
	clientId: string;
	subs?: Subscription[];
	acked?: number;
}

export function sessionSaveFrame(save: SessionSave): ClientFrame {
	return { eventType: "ClientEvent", event: MQTT_SESSION_EVENT, requestData: save } as unknown as ClientFrame;
}

export function isSessionSave(frame: ClientFrame): boolean {
	return (frame.event as string) === MQTT_SESSION_EVENT;
}

/** Runs a session save at the root. */
export function saveSession(room: RoomState, _connection: Member, data: SessionSave): void {
	const change: { subs?: Subscription[]; acked?: number } = {};
	if (data.subs !== undefined) change.subs = data.subs;
	if (data.acked !== undefined) change.acked = data.acked;
	room.mqttSessions.save(data.userId, data.clientId, change);
}

/** The MQTT part of a `Register`, if an MQTT CONNECT made it. */
export function mqttConnectOf(data: object): MqttConnect | undefined {
	return (data as { mqtt?: MqttConnect }).mqtt;
}

/**
 * Opens the CONNECT's session at the root: the `since` its `Registered` resumes from (a clean or
 * new session has missed nothing) and what the egress needs, added to the `Registered` frame.
 */
export function openSession(room: RoomState, userId: string, connect: MqttConnect, now: number) {
	const lastSeq = room.store.lastSeq;
	const opened = room.mqttSessions.open(userId, connect.clientId, connect.clean, lastSeq, now);
	const registered: MqttRegistered = opened;
	return { since: opened.present ? opened.acked : lastSeq, registered };
}

/** A `Registered` frame with its internal MQTT part (its data object's last member). */
export function withMqttPart(frame: string, part: MqttRegistered): string {
	return `${frame.slice(0, -2)},"mqtt":${JSON.stringify(part)}}}`;
}
