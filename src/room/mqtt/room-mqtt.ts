/**
 * (1.5) A room's MQTT sessions, wired to the room: the ingress with its port, what a session's
 * end publishes (its will, unless it said DISCONNECT) and saves (a persistent session's
 * progress), and the packets that waited for a CONNACK.
 */
import { clock } from "../../clock";
import { publishTarget } from "../../mqtt/topics";
import { type ClientFrame, type LeaveReason, LeaveReasons } from "../../protocol";
import type { Connection } from "../connection";
import type { IngressPort } from "./ingress";
import { MqttIngress } from "./ingress";
import { type MqttRecord, mqttTimeoutMs } from "./record";
import { type MqttPortOptions, mqttPort } from "./room-port";
import { sessionSaveFrame } from "./session-frames";

export class RoomMqtt {
	readonly ingress: MqttIngress;
	readonly #port: IngressPort;
	readonly #options: MqttPortOptions;
	readonly #logFailure: (entryPoint: string, error: unknown) => void;

	constructor(options: MqttPortOptions) {
		this.#options = options;
		this.#port = mqttPort(options);
		this.ingress = new MqttIngress(this.#port);
		this.#logFailure = options.logFailure;
	}

	/**
	 * A session's CONNECT was answered; what waited behind it runs once the answer's own work is
	 * done (it is answered from inside the room's registration).
	 */
	opened(connection: Connection): void {
		this.#options.deadline(clock.now() + mqttTimeoutMs(connection.mqtt as MqttRecord));
		queueMicrotask(() => {
			try {
				this.ingress.opened(connection, clock.now());
				connection.settle();
			} catch (error) {
				this.#logFailure("mqtt (after CONNACK)", error);
			}
		});
	}

	/**
	 * A registered session ends: its will goes out as its user (not for a user a backend removed),
	 * its progress is saved.
	 */
	releasing(connection: Connection, reason: LeaveReason): void {
		const record = connection.mqtt as MqttRecord;
		const userId = connection.identity?.userId;
		if (userId === undefined) return;
		try {
			if (record.will && !record.bye && reason !== LeaveReasons.removed)
				this.#port.submit(connection, willFrame(record.will));
			if (record.clean === false && record.cid !== undefined && record.acked !== undefined) {
				this.#port.submit(connection, sessionSaveFrame({ userId, clientId: record.cid, acked: record.acked }));
			}
		} catch (error) {
			this.#logFailure("mqtt (session end)", error);
		}
	}
}

/** A will as the client frame that publishes it: a message (to the room or one user) or a signal. */
function willFrame(will: NonNullable<MqttRecord["will"]>): ClientFrame {
	const target = publishTarget(will.topic);
	const base = { eventType: "ClientEvent" as const };
	if (target?.kind === "signals")
		return { ...base, event: "Signal", requestData: { signal: will.value } } as ClientFrame;
	const requestData = target?.kind === "direct" ? { message: will.value, to: target.to } : { message: will.value };
	return { ...base, event: "SendMessage", requestData } as ClientFrame;
}
