/**
 * A client's frame, from the socket to its handler: the slow-reader check, the rate limit, the
 * size limit, parsing; any refusal goes back as `Error` with the frame's `requestId`, and a
 * failure as `INTERNAL`, logged, never a stack trace.
 */
import { clock } from "../clock";
import {
	type ClientFrame,
	CloseCodes,
	type ErrorCode,
	ErrorCodes,
	encodeError,
	LeaveReasons,
	ProtocolError,
	parseClientFrame,
	requestIdAtHead,
} from "../protocol";
import type { Connection } from "./connection";
import { handleClientFrame } from "./handlers";
import type { MqttIngress } from "./mqtt/ingress";
import type { RatePolicy } from "./rate-limit";
import type { RoomState } from "./room-state";
import { frameTooLarge } from "./welcome";

export interface IntakeHooks {
	/** What is due on any event the room handles (graces ended, the sweep, batches due); true if the sweep ran. */
	catchUp: (now: number) => boolean;
	/** Logs a failure with the room's name. */
	logFailure: (entryPoint: string, error: unknown) => void;
	/** (1.3) At a shard: where a checked frame goes instead of its handler here (the root handles it). */
	dispatch?: ((connection: Connection, frame: ClientFrame) => void) | undefined;
	/** (1.5) Where an MQTT session's packets go. */
	mqtt: MqttIngress;
}

export class FrameIntake {
	readonly #room: RoomState;
	readonly #ratePolicy: RatePolicy;
	readonly #hooks: IntakeHooks;

	constructor(room: RoomState, ratePolicy: RatePolicy, hooks: IntakeHooks) {
		this.#room = room;
		this.#ratePolicy = ratePolicy;
		this.#hooks = hooks;
	}

	/**
	 * One frame from a client: checked, limited, handled; any refusal goes back as `Error`. True for
	 * a quiet frame (an MQTT acknowledgement or ping), after which the room's alarm need not be planned.
	 */
	handle(ws: WebSocket, data: string | ArrayBuffer): boolean {
		let requestId: string | undefined;
		let connection: Connection | undefined;
		try {
			connection = this.#room.hub.get(ws);
			if (!connection) return false; // already let go of: nothing it says counts
			// A peer that does not read what it is sent gets no more: not even a reply.
			if (this.#room.hub.dropIfTooSlow(connection)) return false;
			const now = clock.now();
			if (connection.mqtt) return this.#mqtt(connection, data, now);
			const verdict = connection.arrive(now, this.#ratePolicy);
			this.#hooks.catchUp(now);
			if (typeof data !== "string") {
				if (verdict !== "admit") {
					this.#rateLimited(connection, verdict);
					return false;
				}
				throw new ProtocolError(ErrorCodes.BAD_FRAME, "binary frames are not accepted; send JSON text");
			}
			// An oversized frame is never parsed (shedding it must stay cheap); its requestId is
			// looked for at its head only. A frame within the limit is parsed, if only for its requestId.
			const parsed = frameTooLarge(data, this.#room.settings.maxMessageBytes) ? undefined : parseClientFrame(data);
			requestId = parsed ? (parsed.ok ? parsed.frame.requestId : parsed.requestId) : requestIdAtHead(data);
			if (verdict !== "admit") {
				this.#rateLimited(connection, verdict, requestId);
				return false;
			}
			if (!parsed) {
				throw new ProtocolError(
					ErrorCodes.MESSAGE_TOO_LARGE,
					`frame exceeds ${this.#room.settings.maxMessageBytes} bytes`,
				);
			}
			if (!parsed.ok) throw new ProtocolError(parsed.code, parsed.message);
			runClientFrame(this.#room, connection, parsed.frame, this.#hooks);
		} catch (error) {
			if (error instanceof ProtocolError) this.#reject(ws, error.code, error.message, requestId);
			else {
				this.#hooks.logFailure("webSocketMessage", error);
				this.#reject(ws, ErrorCodes.INTERNAL, "the room failed to handle this request", requestId);
			}
		} finally {
			this.#settle(connection);
		}
		return false;
	}

	/** (1.5) An MQTT session's frame: packets in binary frames, each limited by the ingress. */
	#mqtt(connection: Connection, data: string | ArrayBuffer, now: number): boolean {
		connection.seen(now);
		const swept = this.#hooks.catchUp(now);
		if (typeof data === "string") {
			const text = "MQTT packets travel in binary frames";
			this.#room.hub.drop(connection.socket, LeaveReasons.close, CloseCodes.policy, text);
			return false;
		}
		return this.#hooks.mqtt.receive(connection, new Uint8Array(data), now) && !swept;
	}

	/** The frame's attachment write, whatever became of the frame. */
	#settle(connection: Connection | undefined): void {
		try {
			connection?.settle();
		} catch (error) {
			this.#hooks.logFailure("webSocketMessage (attachment)", error);
		}
	}

	/** An event over the rate is dropped with RATE_LIMITED; a connection that keeps going is closed with 1008. */
	#rateLimited(connection: Connection, verdict: "drop" | "close", requestId?: string): void {
		const { rate, burst } = this.#ratePolicy;
		this.#reject(
			connection.socket,
			ErrorCodes.RATE_LIMITED,
			`over ${rate} events per second (bursts of ${burst}); this event was dropped`,
			requestId,
		);
		if (verdict === "close") {
			this.#room.hub.drop(connection.socket, LeaveReasons.close, CloseCodes.policy, "rate limit exceeded");
		}
	}

	#reject(ws: WebSocket, code: ErrorCode, message: string, requestId?: string): void {
		this.#room.hub.reply(ws, encodeError(code, message, requestId));
	}
}

/**
 * Runs a checked frame: its handler here, or (at a shard) `dispatch` to the root; a refusal goes
 * back as `Error` with the frame's `requestId`, and a failure as `INTERNAL`, logged.
 */
export function runClientFrame(
	room: RoomState,
	connection: Connection,
	frame: ClientFrame,
	how: Pick<IntakeHooks, "dispatch" | "logFailure">,
): void {
	try {
		if (how.dispatch) how.dispatch(connection, frame);
		else handleClientFrame(room, connection, frame);
	} catch (error) {
		if (!(error instanceof ProtocolError)) how.logFailure("webSocketMessage", error);
		const refusal =
			error instanceof ProtocolError
				? encodeError(error.code, error.message, frame.requestId)
				: encodeError(ErrorCodes.INTERNAL, "the room failed to handle this request", frame.requestId);
		room.hub.reply(connection.socket, refusal);
	}
}
