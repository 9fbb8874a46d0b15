/**
 * Sending to the room's sockets: one encoded frame to many (a fan-out) or a reply to one, each
 * through the slow-reader bound, and, for a connection that asked for batched frames, through the
 * batcher, so that its replies and its events keep one order. A socket the room must give up on
 * is reported once the fan-out is over, so that the leaves it causes do not interleave with it.
 */
import { Limits, utf8ByteLength } from "../protocol";
import { BacklogBounds } from "./backlog";
import { FrameBatcher } from "./batching/batcher";
import type { EgressResult } from "./mqtt/egress";

/** A socket the room gives up on during a fan-out: (1.5) `refused`, an MQTT session a frame ends. */
export interface Casualty {
	ws: WebSocket;
	cause: "slow" | "failed" | "refused";
}

export interface FanOutOptions {
	/** Bytes that may wait for one connection (the runtime's and the batcher's); past them it is closed with 4001. */
	maxBufferedBytes: number;
	/** `BATCH_MS`. */
	batchMs: number;
	now: () => number;
	/** Told, after a fan-out (or a batch's timer), of the sockets the room must give up on. */
	letGo: (casualties: Casualty[]) => void;
	/** (1.5) Sends a frame to an MQTT session as MQTT; undefined for a protocol connection's socket. */
	mqtt?: (ws: WebSocket, frame: string) => EgressResult | undefined;
}

export class FanOut {
	readonly batcher: FrameBatcher;
	readonly #backlogs: BacklogBounds;
	readonly #letGo: (casualties: Casualty[]) => void;
	readonly #mqtt: (ws: WebSocket, frame: string) => EgressResult | undefined;

	constructor(options: FanOutOptions) {
		this.#letGo = options.letGo;
		this.#mqtt = options.mqtt ?? (() => undefined);
		this.batcher = new FrameBatcher({
			batchMs: options.batchMs,
			// Half the bound at most: a reader is closed for what it did not read, never for what the room held.
			maxBytes: Math.min(Limits.batchMaxBytes, Math.floor(options.maxBufferedBytes / 2)),
			send: trySend,
			now: options.now,
			failed: (sockets) => this.#letGo(sockets.map((ws) => ({ ws, cause: "failed" }))),
		});
		this.#backlogs = new BacklogBounds(options.maxBufferedBytes, (ws) => this.batcher.held(ws));
	}

	/** Whether more than the bound waited for `ws` before this turn (asked before a request is handled). */
	overBacklog(ws: WebSocket): boolean {
		return this.#backlogs.over(ws);
	}

	/** Sends one encoded frame to each socket but `except`. */
	sendAll(sockets: Iterable<WebSocket>, frame: string, except?: WebSocket): void {
		const casualties: Casualty[] = [];
		// Counted once per fan-out, and only if a batched socket needs it.
		let bytes = -1;
		for (const ws of sockets) {
			if (ws === except) continue;
			if (this.#backlogs.overBeforeSend(ws, frame)) {
				casualties.push({ ws, cause: "slow" });
				continue;
			}
			const mqtt = this.#mqtt(ws, frame);
			if (mqtt !== undefined) {
				if (mqtt !== "sent") casualties.push({ ws, cause: mqtt === "close" ? "refused" : "failed" });
				continue;
			}
			let sent: boolean;
			if (this.batcher.has(ws)) {
				if (bytes < 0) bytes = utf8ByteLength(frame);
				sent = this.batcher.offer(ws, frame, bytes);
			} else sent = trySend(ws, frame);
			if (!sent) casualties.push({ ws, cause: "failed" });
		}
		if (casualties.length > 0) this.#letGo(casualties);
	}

	/**
	 * A reply to one connection's own request (or its refusal): after what waits for it. Not bounded:
	 * a connection over the bound is closed before its request is handled.
	 */
	sendOne(ws: WebSocket, frame: string): void {
		// Counted as this turn's, so that a reply the batch holds does not count as unread at the turn's next send.
		this.#backlogs.overBeforeSend(ws, frame);
		const mqtt = this.#mqtt(ws, frame);
		if (mqtt !== undefined) {
			if (mqtt !== "sent") this.#letGo([{ ws, cause: mqtt === "close" ? "refused" : "failed" }]);
		} else if (this.batcher.has(ws)) this.batcher.offer(ws, frame, utf8ByteLength(frame));
		else trySend(ws, frame);
	}

	/** What waited long enough goes out; on every event the room handles, as well as by the batcher's timer. */
	flushDue(now: number): void {
		const failed = this.batcher.flushDue(now);
		if (failed.length > 0) this.#letGo(failed.map((ws) => ({ ws, cause: "failed" })));
	}
}

/** Sends (a JSON frame, or an MQTT session's bytes), reporting instead of throwing when the peer is already gone. */
export function trySend(ws: WebSocket, frame: string | Uint8Array): boolean {
	try {
		ws.send(frame);
		return true;
	} catch {
		return false;
	}
}
