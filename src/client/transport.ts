/**
 * The link under a RoomClient: partysocket's `ReconnectingWebSocket`, kept honest by a heartbeat
 * (LinkMonitor) and the page's own signals. It knows nothing of rooms: it hands up frames other
 * than `pong`, opens and closes, and is replaced when dead.
 *
 * A failed attempt is also looked into (refusal-check.ts): a room that refuses us for good stops
 * the retries through the `refused` handler; one that turns us away for now names its reason in
 * the `failed` reports until a socket opens.
 *
 * partysocket's own delay has no jitter; its base delay is read on every retry, so the transport
 * supplies a full-jitter delay there and makes growth and ceiling neutral.
 */
import ReconnectingWebSocket from "partysocket/ws";
import { CloseCodes, HEARTBEAT } from "../protocol/constants";
import { backoffDelay, backoffWithinGrace } from "./backoff";
import { ClientErrorCodes, finalCloseError, RoomError, retrying } from "./errors";
import { LinkMonitor } from "./link-monitor";
import { watchPage } from "./page-hooks";
import { type FetchLike, RefusalCheck } from "./refusal-check";
import type { ClientSettings } from "./settings";

/** WebSocket readyState values (not read from a global: there may be none). */
const OPEN = 1;
const CLOSED = 3;

export interface TransportOptions
	extends Pick<
		ClientSettings,
		"backoff" | "connectTimeoutMs" | "heartbeatIntervalMs" | "deadAfterMs" | "linkCheckMs" | "probeGraceMs"
	> {
	url: () => Promise<string>;
	random: () => number;
	now: () => number;
	WebSocket: unknown;
	/** Asks the room why attempts fail; none, no asking. */
	fetch: FetchLike | undefined;
}

export interface TransportHandlers {
	open: () => void;
	/** A frame other than `pong`. */
	frame: (data: unknown) => void;
	close: (code: number, reason: string) => void;
	/**
	 * A connection attempt failed; it is retried. The error says why as far as is known: the reason
	 * the room gave for turning us away for now (full, too many connections), else CONNECTION_FAILED.
	 */
	failed: (error: RoomError) => void;
	/** The room refuses us for good (401, 403): retrying cannot help. */
	refused: (error: RoomError) => void;
}

export class RoomTransport {
	readonly #options: TransportOptions;
	readonly #handlers: TransportHandlers;
	readonly #link: LinkMonitor;
	readonly #refusals: RefusalCheck;
	#socket: ReconnectingWebSocket | undefined;
	#unwatchPage: (() => void) | undefined;
	/** The room's leave grace (`ConnectionEstablished`), and when the link last dropped. */
	#leaveGraceMs = 0;
	#droppedAt: number | undefined;

	constructor(options: TransportOptions, handlers: TransportHandlers) {
		this.#options = options;
		this.#handlers = handlers;
		this.#refusals = new RefusalCheck(options.fetch);
		this.#link = new LinkMonitor({
			heartbeatMs: options.heartbeatIntervalMs,
			deadAfterMs: options.deadAfterMs,
			checkMs: options.linkCheckMs,
			probeGraceMs: options.probeGraceMs,
			now: options.now,
			ping: () => this.send(HEARTBEAT.request),
			dead: () => this.#socket?.reconnect(CloseCodes.idleTimeout, "no frame from the server within its timeout"),
		});
	}

	get started(): boolean {
		return this.#socket !== undefined;
	}

	get readyState(): number {
		return this.#socket?.readyState ?? CLOSED;
	}

	/** The server announced its own timeout (`ConnectionEstablished`). */
	set deadAfterMs(ms: number) {
		this.#link.deadAfterMs = ms;
	}

	/** The room announced its leave grace: reconnects after a drop aim to land within it. */
	set leaveGraceMs(ms: number) {
		this.#leaveGraceMs = ms;
	}

	start(): void {
		this.#openSocket();
		this.#unwatchPage = watchPage({
			// Timers were throttled, or the network changed: find out now whether the link lives.
			visible: () => this.#link.probe(),
			online: () => {
				if (this.readyState === OPEN) this.#link.probe();
				// partysocket cannot cut a backoff wait short; a fresh socket connects at once.
				else this.#openSocket();
			},
		});
	}

	/** Closes with 1000 and stops for good (no close event is handed up). */
	stop(): void {
		this.#unwatchPage?.();
		this.#unwatchPage = undefined;
		this.#link.stop();
		this.#discardSocket();
	}

	send(frame: string): void {
		this.#socket?.send(frame);
	}

	#openSocket(): void {
		this.#discardSocket();
		// Set once the constructor returns; the constructor's own first attempt waits for nothing.
		let created: ReconnectingWebSocket | undefined;
		const { backoff, random, now } = this.#options;
		const delay = () => {
			const sinceDrop = this.#droppedAt === undefined ? Number.POSITIVE_INFINITY : now() - this.#droppedAt;
			return backoffDelay(created?.retryCount ?? 0, backoffWithinGrace(backoff, this.#leaveGraceMs, sinceDrop), random);
		};
		const socket = new ReconnectingWebSocket(() => this.#refusals.track(this.#options.url()), undefined, {
			WebSocket: this.#options.WebSocket,
			get minReconnectionDelay() {
				return delay();
			},
			reconnectionDelayGrowFactor: 1,
			maxReconnectionDelay: Number.POSITIVE_INFINITY,
			connectionTimeout: this.#options.connectTimeoutMs,
			// The client keeps its own queue: nothing may be written before `Register`.
			maxEnqueuedMessages: 0,
			// A policy close, or (1.4) a removal by the room's backend, means "do not come back".
			shouldReconnectOnClose: (event) => finalCloseError(event.code, event.reason) === undefined,
		});
		created = socket;
		this.#socket = socket;
		socket.addEventListener("open", this.#onOpen);
		socket.addEventListener("message", this.#onMessage);
		socket.addEventListener("close", this.#onClose);
		socket.addEventListener("error", this.#onError);
	}

	#discardSocket(): void {
		const socket = this.#socket;
		if (!socket) return;
		this.#socket = undefined;
		socket.removeEventListener("open", this.#onOpen);
		socket.removeEventListener("message", this.#onMessage);
		socket.removeEventListener("close", this.#onClose);
		socket.removeEventListener("error", this.#onError);
		socket.close(CloseCodes.normal, "client closed");
	}

	#onOpen = (): void => {
		this.#refusals.opened();
		this.#droppedAt = undefined;
		this.#link.start();
		this.#handlers.open();
	};

	#onMessage = (event: MessageEvent): void => {
		const isPong = event.data === HEARTBEAT.response;
		this.#link.heard(isPong);
		if (!isPong) this.#handlers.frame(event.data);
	};

	#onClose = (event: CloseEvent): void => {
		// The first close after an open is the drop the room's grace counts from; failed retries are not.
		this.#droppedAt ??= this.#options.now();
		this.#link.stop();
		this.#handlers.close(event.code, event.reason);
	};

	#onError = (event: Event): void => {
		const known = this.#refusals.passing;
		const detail = "message" in event && typeof event.message === "string" ? event.message : "connection failed";
		this.#handlers.failed(retrying(known ?? new RoomError(ClientErrorCodes.CONNECTION_FAILED, detail)));
		const socket = this.#socket;
		void this.#refusals.failed().then((refusal) => {
			// Unless the socket was replaced or stopped meanwhile.
			if (!refusal || socket === undefined || this.#socket !== socket) return;
			if (refusal.final) this.#handlers.refused(refusal.error);
			// This attempt was already reported with the reason known then; a new reason is news.
			else if (refusal.error.code !== known?.code) this.#handlers.failed(retrying(refusal.error));
		});
	};
}
