/**
 * RoomClient: a browser client for one room. It keeps the socket alive (heartbeat, reconnect with
 * jittered backoff), registers again after every reconnect and resumes from the last `seq`, sends
 * exactly once (a `clientMessageId` per send, resent until acknowledged), and keeps a live roster.
 */
import ReconnectingWebSocket from "partysocket/ws";
import { ClientEvents, CloseCodes, ErrorCodes, HEARTBEAT, ServerEvents } from "../protocol/constants";
import type { MessageAckData, RegisteredData, ServerFrame, User } from "../protocol/types";
import { backoffDelay, DEFAULT_BACKOFF } from "./backoff";
import { MessageDelivery } from "./delivery";
import { Emitter } from "./emitter";
import { ClientErrorCodes, RoomError } from "./errors";
import { LinkMonitor } from "./link-monitor";
import { DEFAULT_PACE, SendPacer } from "./pacer";
import { watchPage } from "./page-hooks";
import { ClientRoster } from "./roster";
import { type PendingSend, SendQueue } from "./sends";
import type { RoomClientEvents, RoomClientOptions, RoomClientState, SendOptions } from "./types";
import { encodeClientFrame, parseServerFrame, randomId, roomSocketUrl } from "./wire";

/** How long `close()` waits for `Unregistered` before it closes anyway. */
const UNREGISTER_WAIT_MS = 2_000;
/** How long a RATE_LIMITED send waits before it goes again. */
const RATE_LIMITED_RETRY_MS = 1_000;
const RATE_LIMITED_MAX_RETRIES = 10;

export class RoomClient {
	static readonly CONNECTING = 0;
	static readonly OPEN = 1;
	static readonly CLOSING = 2;
	static readonly CLOSED = 3;

	readonly room: string;
	readonly #options: RoomClientOptions;
	readonly #now: () => number;
	readonly #events = new Emitter<RoomClientEvents>();
	readonly #roster = new ClientRoster();
	readonly #sends: SendQueue;
	readonly #pacer: SendPacer;
	readonly #delivery: MessageDelivery;
	#socket: ReconnectingWebSocket | undefined;
	#state: RoomClientState = "closed";
	#self: RegisteredData["self"] | undefined;
	#connectionId: string | undefined;
	#wantRegistered = true;
	#everRegistered = false;
	#registerRequestId: string | undefined;
	#unregisterWaiters: Array<() => void> = [];
	#registeredWaiters: Array<{ resolve: () => void; reject: (error: RoomError) => void }> = [];
	readonly #link: LinkMonitor;
	#pumpTimer: ReturnType<typeof setTimeout> | undefined;
	#requestCounter = 0;
	#detachPageHooks: (() => void) | undefined;

	constructor(options: RoomClientOptions) {
		this.room = options.room;
		this.#options = options;
		this.#now = options.now ?? Date.now;
		this.#sends = new SendQueue(options.queueLimit ?? 100);
		this.#pacer = new SendPacer(options.pace ?? DEFAULT_PACE, this.#now);
		this.#delivery = new MessageDelivery((message, history) => this.#events.emit("message", message, { history }));
		this.#link = new LinkMonitor({
			heartbeatMs: options.heartbeatIntervalMs ?? HEARTBEAT.intervalMs,
			deadAfterMs: options.deadAfterMs ?? HEARTBEAT.timeoutMs,
			now: this.#now,
			ping: () => this.#write(HEARTBEAT.request),
			dead: () => this.#socket?.reconnect(CloseCodes.idleTimeout, "no frame from the server within its timeout"),
		});
	}

	/** Connects and registers; resolves at the first `Registered`. Reconnects on its own after that. */
	connect(): Promise<void> {
		if (this.#socket) return this.#whenRegistered();
		this.#wantRegistered = true;
		this.#setState("connecting");
		const backoff = { ...DEFAULT_BACKOFF, ...this.#options.backoff };
		const random = this.#options.random ?? Math.random;
		// Set once the constructor returns; the constructor's own first attempt waits for nothing.
		let created: ReconnectingWebSocket | undefined;
		const socket = new ReconnectingWebSocket(() => this.#url(), undefined, {
			WebSocket: this.#options.WebSocket,
			// partysocket's own delay has no jitter: its base is read on every retry, so it is ours,
			// and growth and ceiling are neutral.
			get minReconnectionDelay() {
				return backoffDelay(created?.retryCount ?? 0, backoff, random);
			},
			reconnectionDelayGrowFactor: 1,
			maxReconnectionDelay: Number.POSITIVE_INFINITY,
			connectionTimeout: this.#options.connectTimeoutMs ?? 10_000,
			// The client keeps its own queue: nothing may be written before `Register`.
			maxEnqueuedMessages: 0,
			// A policy close means "do not come back".
			shouldReconnectOnClose: (event) => event.code !== CloseCodes.policy,
		});
		created = socket;
		this.#socket = socket;
		socket.addEventListener("open", this.#onOpen);
		socket.addEventListener("message", this.#onMessage);
		socket.addEventListener("close", this.#onClose);
		this.#detachPageHooks = this.#watchPage();
		return this.#whenRegistered();
	}

	/** The WebSocket's readyState (CONNECTING 0, OPEN 1, CLOSING 2, CLOSED 3). */
	get readyState(): number {
		return this.#socket?.readyState ?? RoomClient.CLOSED;
	}

	get state(): RoomClientState {
		return this.#state;
	}

	/** This connection's user, as the room last told it. */
	get self(): RegisteredData["self"] | undefined {
		return this.#self;
	}

	get connectionId(): string | undefined {
		return this.#connectionId;
	}

	/** Everyone in the room now (earliest first). Kept while reconnecting; replaced on `Registered`. */
	get users(): User[] {
		return this.#roster.list();
	}

	/** The last message `seq` seen: where a resume starts. */
	get lastSeq(): number {
		return this.#delivery.lastSeq;
	}

	/** Sends waiting for an acknowledgement, offline ones included. */
	get pendingSends(): number {
		return this.#sends.size;
	}

	on<E extends keyof RoomClientEvents>(event: E, listener: RoomClientEvents[E]): () => void {
		return this.#events.on(event, listener);
	}

	/**
	 * Sends a message to the room (or `to` one user). Resolves with the `MessageAck` once the room
	 * has stored it; rejects with a `RoomError`. Offline, it waits in the queue; it is delivered once
	 * however many reconnects it takes.
	 */
	send(message: unknown, options: SendOptions = {}): Promise<MessageAckData> {
		return new Promise<MessageAckData>((resolve, reject) => {
			const requestId = this.#nextRequestId("m");
			if (this.#state === "closed") {
				reject(new RoomError(ClientErrorCodes.CLOSED, "the client is closed", requestId));
				return;
			}
			const clientMessageId = randomId();
			let frame: string | undefined;
			try {
				frame = encodeClientFrame(ClientEvents.SendMessage, requestId, {
					message,
					...(options.to === undefined ? {} : { to: options.to }),
					clientMessageId,
				});
			} catch {
				frame = undefined;
			}
			if (frame === undefined || message === undefined) {
				reject(new RoomError(ClientErrorCodes.NOT_JSON, "the message is not a JSON value", requestId));
				return;
			}
			const entry: PendingSend = {
				requestId,
				clientMessageId,
				frame,
				status: "queued",
				notBefore: 0,
				rateLimited: 0,
				resolve,
				reject,
			};
			try {
				this.#sends.add(entry);
			} catch (error) {
				reject(error);
				return;
			}
			this.#pump();
		});
	}

	/** Leaves the room (`UserLeft` for the others) but keeps the connection; `register()` rejoins. */
	async unregister(): Promise<void> {
		this.#wantRegistered = false;
		this.#sends.rejectWhere((entry) =>
			entry.status === "queued"
				? new RoomError(ClientErrorCodes.UNREGISTERED, "unregistered before it was sent", entry.requestId)
				: undefined,
		);
		if (this.#state !== "registered" || !this.#socket) {
			if (this.#state !== "closed") this.#setState("unregistered");
			return;
		}
		const left = new Promise<void>((resolve) => this.#unregisterWaiters.push(resolve));
		this.#write(encodeClientFrame(ClientEvents.Unregister, this.#nextRequestId("u"), {}));
		await left;
	}

	/** Registers again after `unregister()`, resuming from the last `seq` seen. */
	register(): Promise<void> {
		this.#wantRegistered = true;
		if (this.#state === "unregistered" && this.readyState === RoomClient.OPEN) this.#sendRegister();
		return this.#whenRegistered();
	}

	/**
	 * Leaves as the protocol describes (`Unregister`, then close with 1000) and stops for good.
	 * Sends still unacknowledged are rejected with CLOSED.
	 */
	async close(): Promise<void> {
		if (this.#state === "closed") return;
		if (this.#state === "registered") {
			let timer: ReturnType<typeof setTimeout> | undefined;
			const waited = new Promise<void>((resolve) => {
				timer = setTimeout(resolve, UNREGISTER_WAIT_MS);
			});
			await Promise.race([this.unregister(), waited]);
			clearTimeout(timer);
		}
		this.#shutDown(new RoomError(ClientErrorCodes.CLOSED, "the client was closed"));
	}

	// ---- socket events --------------------------------------------------------------------------

	#onOpen = (): void => {
		this.#link.start();
		if (this.#wantRegistered) this.#sendRegister();
		else this.#setState("unregistered");
	};

	#onMessage = (event: MessageEvent): void => {
		const isPong = event.data === HEARTBEAT.response;
		this.#link.heard(isPong);
		if (isPong) return;
		const frame = parseServerFrame(event.data);
		if (!frame) {
			this.#events.emit("error", new RoomError(ClientErrorCodes.BAD_SERVER_FRAME, "a frame that is not the protocol"));
			return;
		}
		this.#handleFrame(frame);
	};

	#onClose = (event: CloseEvent): void => {
		this.#link.stop();
		this.#delivery.disconnected();
		this.#registerRequestId = undefined;
		for (const resolve of this.#unregisterWaiters.splice(0)) resolve();
		if (this.#state === "closed") return;
		if (event.code === CloseCodes.policy) {
			const error = new RoomError(ClientErrorCodes.CLOSED, `closed by the server (${event.code}): ${event.reason}`);
			this.#events.emit("error", error);
			this.#shutDown(error);
			return;
		}
		this.#setState(this.#everRegistered ? "reconnecting" : "connecting");
	};

	// ---- frames ---------------------------------------------------------------------------------

	#handleFrame(frame: ServerFrame): void {
		switch (frame.event) {
			case ServerEvents.ConnectionEstablished:
				this.#connectionId = frame.data.connectionId;
				this.#link.deadAfterMs = this.#options.deadAfterMs ?? frame.data.heartbeat.timeoutMs;
				return;
			case ServerEvents.Registered:
				if (frame.requestId === this.#registerRequestId) this.#onRegistered(frame.data);
				return;
			case ServerEvents.Unregistered:
				this.#roster.reset([]);
				this.#setState("unregistered");
				for (const resolve of this.#unregisterWaiters.splice(0)) resolve();
				return;
			case ServerEvents.UserJoined:
			case ServerEvents.UserUpdated: {
				const { user } = frame.data;
				this.#roster.upsert(user);
				if (this.#self && user.userId === this.#self.userId)
					this.#self = { ...user, connectionId: this.#self.connectionId };
				const type = frame.event === ServerEvents.UserJoined ? "joined" : "updated";
				this.#events.emit("presence", { type, user, users: this.#roster.list() });
				return;
			}
			case ServerEvents.UserLeft:
				this.#roster.remove(frame.data.user.userId);
				this.#events.emit("presence", { type: "left", ...frame.data, users: this.#roster.list() });
				return;
			case ServerEvents.Message:
				this.#delivery.live(frame.data);
				return;
			case ServerEvents.MessageAck: {
				const entry = frame.requestId === undefined ? undefined : this.#sends.take(frame.requestId);
				if (!entry) return;
				this.#delivery.acked(entry.requestId, frame.data);
				entry.resolve(frame.data);
				return;
			}
			case ServerEvents.Error:
				this.#onError(new RoomError(frame.data.code, frame.data.message, frame.requestId));
				return;
		}
	}

	#onRegistered(data: RegisteredData): void {
		this.#registerRequestId = undefined;
		this.#roster.reset(data.users);
		this.#self = data.self;
		this.#connectionId = data.self.connectionId;
		// Everything written to the old socket goes again; the room dedups by clientMessageId.
		const uncertain = this.#sends.requeueAll();
		const reset = this.#delivery.registered(data, uncertain);
		this.#everRegistered = true;
		this.#setState("registered");
		this.#events.emit("presence", { type: "sync", users: this.#roster.list() });
		this.#events.emit("registered", {
			self: data.self,
			lastSeq: data.lastSeq,
			historyTruncated: data.historyTruncated,
			reset,
		});
		for (const waiter of this.#registeredWaiters.splice(0)) waiter.resolve();
		this.#pump();
	}

	#onError(error: RoomError): void {
		if (error.requestId !== undefined && error.requestId === this.#registerRequestId) {
			this.#registerRequestId = undefined;
			if (error.code === ErrorCodes.RATE_LIMITED) {
				setTimeout(() => this.#sendRegister(), RATE_LIMITED_RETRY_MS);
				return;
			}
			// The room refuses who we say we are (bad userId, token mismatch): retrying cannot help.
			this.#events.emit("error", error);
			this.#shutDown(error);
			return;
		}
		const entry = this.#sends.find(error.requestId);
		if (!entry) {
			this.#events.emit("error", error);
			return;
		}
		if (error.code === ErrorCodes.RATE_LIMITED && entry.rateLimited < RATE_LIMITED_MAX_RETRIES) {
			// Not stored: it goes again, still in order, once the room's bucket has refilled.
			entry.rateLimited += 1;
			entry.status = "queued";
			entry.notBefore = this.#now() + RATE_LIMITED_RETRY_MS;
			this.#pump();
			return;
		}
		this.#sends.take(entry.requestId);
		this.#delivery.failed(entry.requestId);
		entry.reject(error);
	}

	// ---- sending --------------------------------------------------------------------------------

	/** Writes queued sends in order, as fast as the pacer allows, while registered. */
	#pump(): void {
		if (this.#pumpTimer !== undefined) return;
		while (this.#state === "registered" && this.readyState === RoomClient.OPEN) {
			const next = this.#sends.next(this.#now());
			if (!next) return;
			const waitMs = "waitMs" in next ? next.waitMs : this.#pacer.take();
			if (waitMs > 0) {
				this.#pumpTimer = setTimeout(() => {
					this.#pumpTimer = undefined;
					this.#pump();
				}, waitMs);
				return;
			}
			if ("entry" in next) {
				next.entry.status = "sent";
				this.#write(next.entry.frame);
			}
		}
	}

	#sendRegister(): void {
		if (this.readyState !== RoomClient.OPEN) return;
		const { userId, name, meta } = this.#options;
		const requestId = this.#nextRequestId("r");
		this.#registerRequestId = requestId;
		this.#write(
			encodeClientFrame(ClientEvents.Register, requestId, {
				...(userId === undefined ? {} : { userId }),
				...(name === undefined ? {} : { name }),
				...(meta === undefined ? {} : { meta }),
				// The first join asks for the latest history; every later one resumes.
				...(this.#everRegistered ? { since: this.#delivery.lastSeq } : {}),
			}),
		);
	}

	#write(frame: string): void {
		this.#socket?.send(frame);
	}

	/** Back in the foreground or online: look at the link now instead of at the next throttled tick. */
	#watchPage(): (() => void) | undefined {
		return watchPage({
			visible: () => this.#link.check(),
			online: () => {
				if (this.#state === "reconnecting" || this.#state === "connecting") this.#socket?.reconnect();
			},
		});
	}

	// ---- helpers --------------------------------------------------------------------------------

	async #url(): Promise<string> {
		const token = typeof this.#options.token === "function" ? await this.#options.token() : this.#options.token;
		return roomSocketUrl(this.#options.host, this.room, token);
	}

	#whenRegistered(): Promise<void> {
		if (this.#state === "registered") return Promise.resolve();
		if (this.#state === "closed") return Promise.reject(new RoomError(ClientErrorCodes.CLOSED, "the client is closed"));
		return new Promise((resolve, reject) => this.#registeredWaiters.push({ resolve, reject }));
	}

	#shutDown(reason: RoomError): void {
		this.#setState("closed");
		this.#link.stop();
		if (this.#pumpTimer !== undefined) clearTimeout(this.#pumpTimer);
		this.#pumpTimer = undefined;
		this.#detachPageHooks?.();
		this.#detachPageHooks = undefined;
		const socket = this.#socket;
		this.#socket = undefined;
		socket?.removeEventListener("open", this.#onOpen);
		socket?.removeEventListener("message", this.#onMessage);
		socket?.removeEventListener("close", this.#onClose);
		socket?.close(CloseCodes.normal, "client closed");
		this.#sends.rejectWhere((entry) => new RoomError(reason.code, reason.message, entry.requestId));
		for (const waiter of this.#registeredWaiters.splice(0)) waiter.reject(reason);
		for (const resolve of this.#unregisterWaiters.splice(0)) resolve();
	}

	#setState(state: RoomClientState): void {
		const previous = this.#state;
		if (previous === state) return;
		this.#state = state;
		this.#events.emit("state", state, previous);
	}

	#nextRequestId(prefix: string): string {
		this.#requestCounter += 1;
		return `${prefix}${this.#requestCounter}`;
	}
}
