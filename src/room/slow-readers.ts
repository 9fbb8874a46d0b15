/**
 * The peers a room gives up on: a socket that cannot be written to, and a reader with more than
 * `maxBufferedBytes` waiting for it (closed with 4001). Each is released (its user stays present
 * for the leave grace) and closed from this side, after what waited for it when it still reads.
 */
import { CloseCodes, type LeaveReason, LeaveReasons } from "../protocol";
import { bufferedAmountOf, TOO_SLOW } from "./backlog";
import type { Connection } from "./connection";
import type { Casualty, FanOut } from "./fan-out";

export interface SlowReaderOptions {
	maxBufferedBytes: number;
	/** Where a connection closed for not reading is reported (the room adds its name). */
	warn: (text: string) => void;
	/** Told after a fan-out let go of peers. */
	letGo: () => void;
	/** The room's connection behind a socket. */
	get: (ws: WebSocket) => Connection | undefined;
	/** Lets go of a socket for good. */
	release: (ws: WebSocket, reason: LeaveReason) => void;
}

export class SlowReaders {
	readonly #options: SlowReaderOptions;
	readonly #fanOut: () => FanOut;

	constructor(options: SlowReaderOptions, fanOut: () => FanOut) {
		this.#options = options;
		this.#fanOut = fanOut;
	}

	/**
	 * Closes a connection with 4001 when more than `maxBufferedBytes` wait for it; true if it did.
	 * Asked before a request is handled: a peer that does not read gets no more replies.
	 */
	dropIfTooSlow(connection: Connection): boolean {
		if (!this.#fanOut().overBacklog(connection.socket)) return false;
		this.#dropSlow(connection.socket);
		return true;
	}

	/** Releases a socket and closes it from this side, for a peer the room gives up on, after what waited for it. */
	drop(ws: WebSocket, reason: LeaveReason, code: number, text: string): void {
		this.#fanOut().batcher.flush(ws);
		this.#options.release(ws, reason);
		try {
			ws.close(code, text);
		} catch {
			// already closed: it has been released all the same
		}
	}

	/** After the fan-out, so that the leaves it announces do not interleave with it. */
	letGo(casualties: Casualty[]): void {
		for (const { ws, cause } of casualties) {
			// Neither is sent what waits for it: one cannot be written to, the other does not read.
			if (cause === "refused") {
				// (1.5) An MQTT session the room refused (its CONNACK sent): MQTT has no error to reply with.
				this.drop(ws, LeaveReasons.close, CloseCodes.policy, "refused");
			} else if (cause === "failed") {
				this.#fanOut().batcher.discard(ws);
				// A socket that cannot be written to is gone, whatever the runtime has reported so far.
				this.drop(ws, LeaveReasons.close, CloseCodes.internalError, "send failed");
			} else this.#dropSlow(ws);
		}
		this.#options.letGo();
	}

	#dropSlow(ws: WebSocket): void {
		const connection = this.#options.get(ws);
		if (!connection) return;
		const batcher = this.#fanOut().batcher;
		const who = connection.identity ? `user "${connection.identity.userId}"` : "unregistered";
		const buffered = bufferedAmountOf(ws);
		const waiting = (typeof buffered === "number" ? buffered : 0) + batcher.held(ws);
		this.#options.warn(
			`closing connection ${connection.id} (${who}) with ${TOO_SLOW.code}: ` +
				`${String(waiting)} bytes wait for it, more than ${this.#options.maxBufferedBytes}`,
		);
		batcher.discard(ws);
		this.drop(ws, LeaveReasons.close, TOO_SLOW.code, TOO_SLOW.reason);
	}
}
