/**
 * (1.5) What the MQTT ingress needs of the room, built from the room's parts: frames run as a
 * protocol connection's would (their refusals come back as `Error` frames, which the egress
 * turns into a CONNACK or a close), bytes sent, the session kept at the root.
 */

import { clock } from "../../clock";
import { type ClientFrame, CloseCodes, LeaveReasons } from "../../protocol";
import { checkRoomToken } from "../../worker/access";
import type { Connection } from "../connection";
import { trySend } from "../fan-out";
import type { VerifiedIdentity } from "../handoff";
import { runClientFrame } from "../intake";
import type { RatePolicy } from "../rate-limit";
import type { RoomState } from "../room-state";
import type { IngressPort } from "./ingress";
import { sessionSaveFrame } from "./session-frames";

export interface MqttPortOptions {
	room: RoomState;
	ratePolicy: RatePolicy;
	/** At a shard: where a frame goes instead of its handler here. */
	dispatch?: ((connection: Connection, frame: ClientFrame) => void) | undefined;
	/** `AUTH_SECRET`, and the room's name as tokens name it. */
	authSecret: string | undefined;
	roomName: () => string;
	logFailure: (entryPoint: string, error: unknown) => void;
	/** The room's counts as this object knows them. */
	counts: () => { userCount: number; connectionCount: number };
	/** When a session may time out, for the room's alarm. */
	deadline: (at: number) => void;
}

export function mqttPort(options: MqttPortOptions): IngressPort {
	const { room, ratePolicy, logFailure } = options;
	const submit = (connection: Connection, frame: ClientFrame) => runClientFrame(room, connection, frame, options);
	return {
		maxMessageBytes: room.settings.maxMessageBytes,
		submit,
		rate: (connection) => connection.arrive(clock.now(), ratePolicy),
		send: (connection, bytes) => {
			trySend(connection.socket, bytes);
		},
		saveSession: (connection, change) => {
			const userId = connection.identity?.userId;
			const clientId = connection.mqtt?.cid;
			if (userId === undefined || clientId === undefined) return;
			submit(connection, sessionSaveFrame({ userId, clientId, ...change }));
		},
		counts: options.counts,
		verifyPassword: async (password): Promise<VerifiedIdentity | number> => {
			const secret = options.authSecret;
			if (secret === undefined) return 5;
			if (password?.split(".").length !== 3) return 4;
			const checked = await checkRoomToken(password, secret, options.roomName());
			if (!checked.ok) return 5;
			const { sub, name } = checked.claims;
			return name === undefined ? { userId: sub } : { userId: sub, name };
		},
		takeOver: (connection, userId, clientId) => {
			for (const other of [...room.hub.connections()]) {
				const record = other.mqtt;
				if (other === connection || record?.cid !== clientId || other.identity?.userId !== userId) continue;
				record.bye = true;
				room.hub.drop(other.socket, LeaveReasons.close, CloseCodes.normal, "session taken over");
			}
		},
		close: (connection, code, text) => room.hub.drop(connection.socket, LeaveReasons.close, code, text),
		logFailure,
	};
}
