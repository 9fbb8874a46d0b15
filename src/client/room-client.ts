/**
 * RoomClient: a browser client for one room. It keeps the socket alive (heartbeat, reconnect with
 * jittered backoff), registers again after every reconnect and resumes from the last `seq`, sends
 * exactly once (a `clientMessageId` per send, resent until acknowledged), and keeps a live roster.
 */
import { ClientEvents, CloseCodes, ErrorCodes, ServerEvents } from "../protocol/constants";
import type { MessageAckData, RegisteredData, ServerFrame, User } from "../protocol/types";
import { resolveSettings } from "./defaults";
import { MessageDelivery } from "./delivery";
import { Emitter } from "./emitter";
import { ClientErrorCodes, RoomError } from "./errors";
import { Outbox } from "./outbox";
import { ClientRoster } from "./roster";
import { RoomTransport } from "./transport";
import type { ClientSettings, RoomClientEvents, RoomClientOptions, RoomClientState, SendOptions } from "./types";
import { encodeClientFrame, parseServerFrame, roomSocketUrl } from "./wire";

type Waiter = { resolve: () => void; reject: (error: RoomError) => void };

export class RoomClient {
	static readonly CONNECTING = 0;
	static readonly OPEN = 1;
	static readonly CLOSING = 2;
	static readonly CLOSED = 3;

	readonly room: string;
	readonly #options: RoomClientOptions;
	readonly #settings: ClientSettings;
	readonly #now: () => number;
	readonly #events = new Emitter<RoomClientEvents>();
	readonly #roster = new ClientRoster();
	readonly #outbox: Outbox;
	readonly #delivery: MessageDelivery;
	readonly #transport: RoomTransport;
	#state: RoomClientState = "closed";
	#closing = false;
	#self: RegisteredData["self"] | undefined;
	#connectionId: string | undefined;
	/** What the caller asked for: registered (connect, register) or not (unregister). */
	#wantRegistered = true;
	#everRegistered = false;
	#registerRequestId: string | undefined;
	#unregisterRequestId: string | undefined;
	#registeredWaiters: Waiter[] = [];
	#unregisterWaiters: Array<() => void> = [];
	#retryTimer: ReturnType<typeof setTimeout> | undefined;
	#requestCounter = 0;

	constructor(options: RoomClientOptions) {
		this.room = options.room;
		this.#options = options;
		this.#now = options.now ?? Date.now;
		const settings = resolveSettings(options);
		this.#settings = settings;
		this.#outbox = new Outbox({
			...settings,
			now: this.#now,
			canWrite: () => this.#state === "registered" && this.#wantRegistered && this.readyState === RoomClient.OPEN,
			write: (frame) => this.#write(frame),
		});
		this.#delivery = new MessageDelivery(
			(message, history) => this.#events.emit("message", message, { history }),
			settings.ownIdsLimit,
		);
		this.#transport = new RoomTransport(
			{
				...settings,
				url: async () => {
					const { token } = options;
					return roomSocketUrl(options.host, this.room, typeof token === "function" ? await token() : token);
				},
				random: options.random ?? Math.random,
				now: this.#now,
				WebSocket: options.WebSocket,
			},
			{ open: this.#onOpen, frame: this.#onFrame, close: this.#onClose, failed: this.#onFailed },
		);
	}

	/** Connects and registers; resolves at the first `Registered`. Reconnects on its own after that. */
	connect(): Promise<void> {
		if (this.#transport.started) return this.#whenRegistered();
		this.#wantRegistered = true;
		this.#setState("connecting");
		this.#transport.start();
		return this.#whenRegistered();
	}

	/** The WebSocket's readyState (CONNECTING 0, OPEN 1, CLOSING 2, CLOSED 3). */
	get readyState(): number {
		return this.#transport.readyState;
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
		return this.#outbox.size;
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
		const requestId = this.#nextRequestId("m");
		if (this.#state === "closed" || this.#closing) {
			return Promise.reject(new RoomError(ClientErrorCodes.CLOSED, "the client is closed", requestId));
		}
		return this.#outbox.add(requestId, message, options.to);
	}

	/**
	 * Leaves the room (`UserLeft` for the others) but keeps the connection; `register()` rejoins.
	 * Sends not yet written are refused with UNREGISTERED; those the room may hold stay pending.
	 */
	async unregister(): Promise<void> {
		this.#wantRegistered = false;
		this.#outbox.refuseUnwritten();
		if (this.#state === "closed") return;
		const left = new Promise<void>((resolve) => this.#unregisterWaiters.push(resolve));
		if (this.#state === "registered" && this.readyState === RoomClient.OPEN) {
			if (this.#unregisterRequestId === undefined) this.#sendUnregister();
		} else if (this.#registerRequestId === undefined) {
			// Not in the room, and not on the way in: nothing to tell the room.
			this.#left();
		}
		// Otherwise a Register is on its way: its Registered is answered with an Unregister.
		await left;
	}

	/** Registers again after `unregister()`, resuming from the last `seq` seen. */
	register(): Promise<void> {
		this.#wantRegistered = true;
		const idle = this.#registerRequestId === undefined && this.#unregisterRequestId === undefined;
		if (idle && this.#state === "unregistered" && this.readyState === RoomClient.OPEN) this.#sendRegister();
		// An Unregister on its way is followed by a Register when its answer comes.
		return this.#whenRegistered();
	}

	/**
	 * Leaves as the protocol describes (`Unregister`, then close with 1000) and stops for good.
	 * Sends still unacknowledged are rejected with CLOSED (a resent one may have been stored).
	 */
	async close(): Promise<void> {
		if (this.#state === "closed" || this.#closing) return;
		this.#closing = true;
		if (this.#state === "registered") {
			let timer: ReturnType<typeof setTimeout> | undefined;
			const waited = new Promise<void>((resolve) => {
				timer = setTimeout(resolve, this.#settings.closeWaitMs);
			});
			await Promise.race([this.unregister(), waited]);
			clearTimeout(timer);
		}
		this.#shutDown(new RoomError(ClientErrorCodes.CLOSED, "the client was closed"));
	}

	// ---- socket events --------------------------------------------------------------------------

	#onOpen = (): void => {
		// The room's rate bucket is per connection and starts full.
		this.#outbox.connected();
		if (this.#wantRegistered) this.#sendRegister();
		else this.#setState("unregistered");
	};

	#onFrame = (data: unknown): void => {
		const frame = parseServerFrame(data);
		if (frame) this.#handleFrame(frame);
		else
			this.#events.emit("error", new RoomError(ClientErrorCodes.BAD_SERVER_FRAME, "a frame that is not the protocol"));
	};

	#onClose = (code: number, reason: string): void => {
		this.#delivery.disconnected();
		this.#clearTimers();
		this.#registerRequestId = undefined;
		this.#unregisterRequestId = undefined;
		// A closed connection has left the room, so a pending unregister() is done.
		for (const resolve of this.#unregisterWaiters.splice(0)) resolve();
		if (this.#state === "closed") return;
		if (code === CloseCodes.policy) {
			const error = new RoomError(ClientErrorCodes.CLOSED, `closed by the server (${code}): ${reason}`);
			this.#events.emit("error", error);
			this.#shutDown(error);
			return;
		}
		this.#setState(this.#everRegistered ? "reconnecting" : "connecting");
	};

	#onFailed = (detail: string): void => {
		this.#events.emit("error", new RoomError(ClientErrorCodes.CONNECTION_FAILED, `${detail}; retrying`));
	};

	// ---- frames ---------------------------------------------------------------------------------

	#handleFrame(frame: ServerFrame): void {
		switch (frame.event) {
			case ServerEvents.ConnectionEstablished:
				this.#connectionId = frame.data.connectionId;
				this.#transport.deadAfterMs = this.#options.deadAfterMs ?? frame.data.heartbeat.timeoutMs;
				return;
			case ServerEvents.Registered:
				if (frame.requestId === this.#registerRequestId) this.#onRegistered(frame.data);
				return;
			case ServerEvents.Unregistered:
				if (frame.requestId === this.#unregisterRequestId) this.#onUnregistered();
				return;
			case ServerEvents.UserJoined:
			case ServerEvents.UserUpdated: {
				const { user } = frame.data;
				this.#roster.upsert(user);
				if (this.#self?.userId === user.userId) this.#self = { ...user, connectionId: this.#self.connectionId };
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
				const entry = this.#outbox.acked(frame.requestId, frame.data);
				if (entry) this.#delivery.acked(entry.requestId, frame.data);
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
		// Everything written to an old socket goes again; the room dedups by clientMessageId.
		const uncertain = this.#outbox.requeueAll();
		const reset = this.#delivery.registered(data, uncertain);
		this.#everRegistered = true;
		this.#setState("registered");
		this.#events.emit("presence", { type: "sync", users: this.#roster.list() });
		const { lastSeq, historyTruncated } = data;
		this.#events.emit("registered", { self: data.self, lastSeq, historyTruncated, reset });
		for (const waiter of this.#registeredWaiters.splice(0)) waiter.resolve();
		// unregister() was called while the Register was on its way.
		if (!this.#wantRegistered) this.#sendUnregister();
		else this.#outbox.pump();
	}

	#onUnregistered(): void {
		this.#unregisterRequestId = undefined;
		this.#left();
		// register() was called while the Unregister was on its way.
		if (this.#wantRegistered) this.#sendRegister();
	}

	/** Out of the room: empty roster, and unregister() is done. */
	#left(): void {
		this.#roster.reset([]);
		this.#events.emit("presence", { type: "sync", users: [] });
		if (this.readyState === RoomClient.OPEN) this.#setState("unregistered");
		for (const resolve of this.#unregisterWaiters.splice(0)) resolve();
	}

	#onError(error: RoomError): void {
		const { requestId } = error;
		const limited = error.code === ErrorCodes.RATE_LIMITED;
		if (requestId !== undefined && requestId === this.#registerRequestId) {
			this.#registerRequestId = undefined;
			if (limited) {
				this.#retryLater(() => this.#wantRegistered && this.#sendRegister());
				return;
			}
			// The room refuses who we say we are (bad userId, token mismatch): retrying cannot help.
			this.#events.emit("error", error);
			this.#shutDown(error);
			return;
		}
		if (requestId !== undefined && requestId === this.#unregisterRequestId) {
			this.#unregisterRequestId = undefined;
			// NOT_REGISTERED and the like: the room does not count us in, which is what was asked.
			if (limited) this.#retryLater(() => !this.#wantRegistered && this.#sendUnregister());
			else this.#onUnregistered();
			return;
		}
		const outcome = this.#outbox.refused(error);
		if (outcome === undefined) this.#events.emit("error", error);
		else if (outcome === "rejected" && requestId !== undefined) this.#delivery.failed(requestId);
	}

	// ---- writing --------------------------------------------------------------------------------

	#sendRegister(): void {
		if (this.readyState !== RoomClient.OPEN) return;
		const { userId, name, meta } = this.#options;
		this.#registerRequestId = this.#nextRequestId("r");
		this.#writeEvent(ClientEvents.Register, this.#registerRequestId, {
			...(userId === undefined ? {} : { userId }),
			...(name === undefined ? {} : { name }),
			...(meta === undefined ? {} : { meta }),
			// The first join asks for the latest history; every later one resumes.
			...(this.#everRegistered ? { since: this.#delivery.lastSeq } : {}),
		});
	}

	#sendUnregister(): void {
		if (this.readyState !== RoomClient.OPEN) return;
		this.#unregisterRequestId = this.#nextRequestId("u");
		this.#writeEvent(ClientEvents.Unregister, this.#unregisterRequestId, {});
	}

	/** Register and Unregister count against the room's rate like any event. */
	#writeEvent(event: typeof ClientEvents.Register | typeof ClientEvents.Unregister, requestId: string, data: object) {
		this.#outbox.spendForControl();
		this.#write(encodeClientFrame(event, requestId, data));
	}

	#write(frame: string): void {
		this.#transport.send(frame);
	}

	/** Runs `action` a second from now if the same socket is still open then. */
	#retryLater(action: () => unknown): void {
		// Cleared when the socket closes, so it never reaches a new one.
		if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
		this.#retryTimer = setTimeout(() => {
			this.#retryTimer = undefined;
			if (this.readyState === RoomClient.OPEN) action();
		}, this.#settings.rateLimitedRetryMs);
	}

	// ---- helpers --------------------------------------------------------------------------------

	#whenRegistered(): Promise<void> {
		if (this.#state === "registered" && this.#unregisterRequestId === undefined) return Promise.resolve();
		if (this.#state === "closed") return Promise.reject(new RoomError(ClientErrorCodes.CLOSED, "the client is closed"));
		return new Promise((resolve, reject) => this.#registeredWaiters.push({ resolve, reject }));
	}

	#shutDown(reason: RoomError): void {
		this.#setState("closed");
		this.#clearTimers();
		this.#transport.stop();
		this.#outbox.refuseAll(reason);
		for (const waiter of this.#registeredWaiters.splice(0)) waiter.reject(reason);
		for (const resolve of this.#unregisterWaiters.splice(0)) resolve();
	}

	#clearTimers(): void {
		this.#outbox.stop();
		if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
		this.#retryTimer = undefined;
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
