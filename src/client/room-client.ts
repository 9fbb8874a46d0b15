/**
 * RoomClient: a browser client for one room. It keeps the socket alive (heartbeat, reconnect with
 * jittered backoff), registers again after every reconnect and resumes from the last `seq`, sends
 * exactly once (a `clientMessageId` per send, resent until acknowledged), and keeps a live roster.
 */
import { CloseCodes, ServerEvents } from "../protocol/constants";
import type { MessageAckData, RegisteredData, ServerFrame, User } from "../protocol/types";
import { MessageDelivery } from "./delivery";
import { Emitter } from "./emitter";
import { ClientErrorCodes, RoomError } from "./errors";
import { Outbox } from "./outbox";
import { type ControlEvent, Registration } from "./registration";
import { ClientRoster } from "./roster";
import { type ClientSettings, resolveSettings } from "./settings";
import { RoomTransport } from "./transport";
import type { RoomClientEvents, RoomClientOptions, RoomClientState, SendOptions } from "./types";
import { encodeClientFrame, parseServerFrame, roomSocketUrl } from "./wire";

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
	readonly #registration: Registration;
	#state: RoomClientState = "closed";
	#closing = false;
	#connectionId: string | undefined;
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
			canWrite: () => this.#state === "registered" && this.#registration.wanted && this.readyState === RoomClient.OPEN,
			write: (frame) => this.#transport.send(frame),
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
		this.#registration = new Registration(
			{
				state: () => this.#state,
				isOpen: () => this.readyState === RoomClient.OPEN,
				nextRequestId: (prefix) => this.#nextRequestId(prefix),
				write: (event, requestId, data) => this.#writeControl(event, requestId, data),
				lastSeq: () => this.#delivery.lastSeq,
				entered: (data) => this.#entered(data),
				staying: () => this.#outbox.pump(),
				leaving: () => this.#outbox.refuseUnwritten(),
				left: () => this.#left(),
				refused: (error) => this.#fail(error),
			},
			{ identity: options, retryMs: settings.rateLimitedRetryMs },
		);
	}

	/** Connects and registers; resolves at the first `Registered`. Reconnects on its own after that. */
	connect(): Promise<void> {
		if (this.#transport.started) return this.#registration.whenRegistered();
		this.#registration.want();
		this.#setState("connecting");
		this.#transport.start();
		return this.#registration.whenRegistered();
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
		return this.#roster.self;
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
		await this.#registration.unregister();
	}

	/** Registers again after `unregister()`, resuming from the last `seq` seen. */
	register(): Promise<void> {
		return this.#registration.register();
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

	#onOpen = (): void => {
		// The room's rate bucket is per connection and starts full.
		this.#outbox.connected();
		this.#registration.opened();
		if (!this.#registration.wanted) this.#setState("unregistered");
	};

	#onFrame = (data: unknown): void => {
		const frame = parseServerFrame(data);
		if (frame) this.#handleFrame(frame);
		else
			this.#events.emit("error", new RoomError(ClientErrorCodes.BAD_SERVER_FRAME, "a frame that is not the protocol"));
	};

	#onClose = (code: number, reason: string): void => {
		this.#delivery.disconnected();
		this.#outbox.stop();
		this.#registration.closed();
		if (this.#state === "closed") return;
		if (code === CloseCodes.policy) {
			this.#fail(new RoomError(ClientErrorCodes.CLOSED, `closed by the server (${code}): ${reason}`));
			return;
		}
		this.#setState(this.#registration.everRegistered ? "reconnecting" : "connecting");
	};

	#onFailed = (detail: string): void => {
		this.#events.emit("error", new RoomError(ClientErrorCodes.CONNECTION_FAILED, `${detail}; retrying`));
	};

	#handleFrame(frame: ServerFrame): void {
		switch (frame.event) {
			case ServerEvents.ConnectionEstablished:
				this.#connectionId = frame.data.connectionId;
				this.#transport.deadAfterMs = this.#options.deadAfterMs ?? frame.data.heartbeat.timeoutMs;
				return;
			case ServerEvents.Registered:
				this.#registration.onRegistered(frame.requestId, frame.data);
				return;
			case ServerEvents.Unregistered:
				this.#registration.onUnregistered(frame.requestId);
				return;
			case ServerEvents.UserJoined:
			case ServerEvents.UserUpdated:
			case ServerEvents.UserLeft:
				this.#events.emit("presence", this.#roster.apply(frame));
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

	/** Our Register was answered: the room's roster, our identity, and its history go to the page. */
	#entered(data: RegisteredData): void {
		this.#roster.reset(data.users);
		this.#roster.self = data.self;
		this.#connectionId = data.self.connectionId;
		// Everything written to an old socket goes again; the room dedups by clientMessageId.
		const uncertain = this.#outbox.requeueAll();
		const reset = this.#delivery.registered(data, uncertain);
		this.#setState("registered");
		this.#events.emit("presence", { type: "sync", users: this.#roster.list() });
		const { lastSeq, historyTruncated } = data;
		this.#events.emit("registered", { self: data.self, lastSeq, historyTruncated, reset });
	}

	/** Out of the room: the roster is empty. */
	#left(): void {
		this.#roster.reset([]);
		this.#events.emit("presence", { type: "sync", users: [] });
		if (this.readyState === RoomClient.OPEN) this.#setState("unregistered");
	}

	#onError(error: RoomError): void {
		if (this.#registration.onError(error)) return;
		const outcome = this.#outbox.refused(error);
		if (outcome === undefined) this.#events.emit("error", error);
		else if (outcome === "rejected" && error.requestId !== undefined) this.#delivery.failed(error.requestId);
	}

	/** Register and Unregister count against the room's rate like any event. */
	#writeControl(event: ControlEvent, requestId: string, data: object): void {
		this.#outbox.spendForControl();
		this.#transport.send(encodeClientFrame(event, requestId, data));
	}

	/** Stops for good, telling the page why. */
	#fail(error: RoomError): void {
		this.#events.emit("error", error);
		this.#shutDown(error);
	}

	#shutDown(reason: RoomError): void {
		this.#setState("closed");
		this.#transport.stop();
		this.#outbox.refuseAll(reason);
		this.#registration.stop(reason);
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
