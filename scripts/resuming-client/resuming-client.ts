/**
 * A lean protocol client for restart drills (the benchmark's and the e2e test's): it registers in
 * a presence mode, pings like a protocol client, and when its socket goes it reconnects after
 * the client library's full-jitter delay (`backoffDelay` from src/client/backoff.ts, the attempt
 * counted as partysocket counts it: from 1 after a working connection, reset once registered
 * again), then registers again with `since` its last seq, as `RoomClient` does.
 *
 * It is not `RoomClient`: a drill needs thousands of them in one Node process, the raw presence
 * frames, and no parsing of a roster while the server's recovery is timed (see room-view.ts).
 */
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { type BackoffOptions, backoffDelay, backoffWithinGrace } from "../../src/client/backoff.ts";
import { closeWebSocket } from "./many-sockets.ts";
import { RoomView } from "./room-view.ts";
import { type AckData, isPong, type PresenceMode, parseFrame, serverEventOf } from "./server-frames.ts";

export interface ResumingClientOptions {
	/** `ws://127.0.0.1:PORT/rooms/ROOM/ws` */
	url: string;
	userId: string;
	presence: PresenceMode;
	backoff: BackoffOptions;
	/** `ping` this often while open (the protocol asks for every 20 s). */
	heartbeatMs: number;
	/** A handshake not done by then counts as a failed attempt. */
	connectTimeoutMs: number;
	random?: () => number;
	/** After each `Registered`: the place to resend what was never acknowledged. */
	onRegistered?: (client: ResumingClient) => void;
	onAck?: (requestId: string, ack: AckData) => void;
}

/** Presence frames, kept for the room view (not in `count` mode, which has no roster). */
const PRESENCE_EVENTS: ReadonlySet<string> = new Set(["Presence", "UserJoined", "UserUpdated", "UserLeft"]);
/** Errors kept for the report, at most. */
const MAX_ERRORS = 20;

export class ResumingClient {
	readonly userId: string;
	readonly view: RoomView;
	readonly errors: string[] = [];
	/** `Registered` frames received, over all connections. */
	registrations = 0;
	/** When the last `Registered` arrived (`performance.now()`). */
	lastRegisteredAt = Number.NaN;
	/** Connection attempts that ended before a `Registered`. */
	failedAttempts = 0;
	readonly #options: ResumingClientOptions;
	readonly #listeners = new Set<(client: ResumingClient) => void>();
	#socket: WebSocket | undefined;
	#registered = false;
	#stopped = false;
	#attempt = 0;
	/** The room's leave grace, from its ConnectionEstablished, and when the link last dropped. */
	#leaveGraceMs = 0;
	#droppedAt: number | undefined;
	#requestCounter = 0;
	#retryTimer: NodeJS.Timeout | undefined;
	#heartbeat: NodeJS.Timeout | undefined;

	constructor(options: ResumingClientOptions) {
		this.#options = options;
		this.userId = options.userId;
		this.view = new RoomView(options.userId);
	}

	get registered(): boolean {
		return this.#registered;
	}

	/** Connects now; reconnects on its own until `stop`. */
	start(): void {
		this.#open();
	}

	/** Writes a frame if registered now; answers whether it went. */
	send(frame: string): boolean {
		if (!this.#registered || this.#socket?.readyState !== WebSocket.OPEN) return false;
		this.#socket.send(frame);
		return true;
	}

	nextRequestId(prefix: string): string {
		this.#requestCounter += 1;
		return `${prefix}${this.#requestCounter}`;
	}

	/** Calls `listener` after each registration, presence frame, message or close; returns the way to stop. */
	onChange(listener: (client: ResumingClient) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	/** Stops for good: closes with 1000, and waits for the close at most `timeoutMs`. */
	stop(timeoutMs = 5000): Promise<void> {
		this.#stopped = true;
		clearTimeout(this.#retryTimer);
		clearInterval(this.#heartbeat);
		return this.#socket ? closeWebSocket(this.#socket, 1000, "done", timeoutMs) : Promise.resolve();
	}

	#open(): void {
		if (this.#stopped) return;
		const socket = new WebSocket(this.#options.url, {
			perMessageDeflate: false,
			handshakeTimeout: this.#options.connectTimeoutMs,
		});
		this.#socket = socket;
		socket.on("message", (data: Buffer, isBinary: boolean) => {
			if (!isBinary) this.#onFrame(data);
		});
		socket.once("open", () => {
			this.#heartbeat = setInterval(() => socket.send("ping"), this.#options.heartbeatMs);
			this.#heartbeat.unref();
		});
		// A failed handshake is reported as an error, then a close: the close decides.
		socket.on("error", () => {});
		socket.once("close", () => this.#onClose());
	}

	#onFrame(data: Buffer): void {
		if (isPong(data)) return;
		const event = serverEventOf(data);
		const now = performance.now();
		if (event === "ConnectionEstablished") {
			this.#leaveGraceMs = leaveGraceOf(data);
			this.#droppedAt = undefined;
			this.#register();
		} else if (event === "Registered") {
			this.view.keep(data, now);
			this.#registered = true;
			this.#attempt = 0;
			this.registrations += 1;
			this.lastRegisteredAt = now;
			this.#options.onRegistered?.(this);
			this.#changed();
		} else if (event !== undefined && PRESENCE_EVENTS.has(event)) {
			if (this.#options.presence !== "count") {
				this.view.keep(data, now);
				this.#changed();
			}
		} else if (event === "Message" || event === "MessageAck" || event === "Error") {
			this.#onParsedFrame(data);
		}
	}

	#onParsedFrame(data: Buffer): void {
		const frame = parseFrame(data);
		if (frame.event === "Message") {
			this.view.message(frame.data.seq);
			this.#changed();
		} else if (frame.event === "MessageAck" && frame.requestId !== undefined) {
			this.#options.onAck?.(frame.requestId, frame.data);
		} else if (frame.event === "Error" && this.errors.length < MAX_ERRORS) {
			this.errors.push(`${frame.data.code}: ${frame.data.message}`);
		}
	}

	#register(): void {
		const { userId, presence } = this.#options;
		const resume = this.registrations > 0 ? { since: this.view.lastSeq } : {};
		const requestData = { userId, presence, ...resume };
		this.#socket?.send(
			JSON.stringify({ eventType: "ClientEvent", event: "Register", requestId: this.nextRequestId("r"), requestData }),
		);
	}

	#onClose(): void {
		clearInterval(this.#heartbeat);
		if (!this.#registered) this.failedAttempts += 1;
		this.#registered = false;
		this.#socket = undefined;
		if (!this.#stopped) {
			this.#attempt += 1;
			// As the client library does: while the room holds our place, land within its grace.
			this.#droppedAt ??= performance.now();
			const backoff = backoffWithinGrace(
				this.#options.backoff,
				this.#leaveGraceMs,
				performance.now() - this.#droppedAt,
			);
			const delay = backoffDelay(this.#attempt, backoff, this.#options.random);
			this.#retryTimer = setTimeout(() => this.#open(), delay);
		}
		this.#changed();
	}

	#changed(): void {
		for (const listener of this.#listeners) listener(this);
	}
}

/** `ConnectionEstablished.leaveGraceMs`, read only when that frame arrives (once per connection). */
function leaveGraceOf(data: Buffer): number {
	const grace: unknown = (JSON.parse(data.toString()) as { data?: { leaveGraceMs?: unknown } }).data?.leaveGraceMs;
	return typeof grace === "number" ? grace : 0;
}
