/**
 * RoomClient: a browser client for one room. It keeps the socket alive (heartbeat, reconnect with
 * jittered backoff), registers again after every reconnect and resumes from the last `seq`, sends
 * exactly once (a `clientMessageId` per send, resent until acknowledged), keeps a live roster and
 * its counts, relays signals, and paces every event to the room's announced rate.
 */
import type { ConnectionEstablishedData, MessageAckData, RegisteredData, SelfUser, User } from "../protocol/types";
import { MessageDelivery } from "./delivery";
import { Emitter } from "./emitter";
import { ClientErrorCodes, finalCloseError, RoomError, retrying } from "./errors";
import { type FrameTargets, routeServerFrame } from "./frame-router";
import { InboundQueue } from "./inbound";
import { Outgoing } from "./outgoing";
import { RoomPresence } from "./presence";
import { Registration } from "./registration";
import { type ClientSettings, resolveSettings } from "./settings";
import { RoomTransport } from "./transport";
import type {
	RoomClientEvents,
	RoomClientOptions,
	RoomClientState,
	SendOptions,
	SignalOptions,
	SignalOutcome,
	UserFields,
} from "./types";
import { encodeClientFrame, socketUrlFor } from "./wire";

export class RoomClient {
	static readonly CONNECTING = 0;
	static readonly OPEN = 1;
	static readonly CLOSING = 2;
	static readonly CLOSED = 3;

	readonly room: string;
	readonly #options: RoomClientOptions;
	readonly #settings: ClientSettings;
	readonly #events = new Emitter<RoomClientEvents>();
	readonly #presence: RoomPresence;
	readonly #outgoing: Outgoing;
	readonly #delivery: MessageDelivery;
	readonly #transport: RoomTransport;
	readonly #registration: Registration;
	readonly #frameTargets: FrameTargets;
	readonly #inbound = new InboundQueue();
	#state: RoomClientState = "closed";
	/** close() was called: the client stays closed for good, whatever is called next. */
	#closeCalled = false;
	#connectionId: string | undefined;
	#requestCounter = 0;

	constructor(options: RoomClientOptions) {
		this.room = options.room;
		this.#options = options;
		const now = options.now ?? Date.now;
		const random = options.random ?? Math.random;
		const settings = resolveSettings(options);
		this.#settings = settings;
		this.#presence = new RoomPresence(settings.presence);
		this.#outgoing = new Outgoing({
			...settings,
			now,
			paceFixed: options.pace !== undefined,
			canWrite: () => this.#state === "registered" && this.#registration.wanted && this.readyState === RoomClient.OPEN,
			wanted: () => this.#registration.wanted,
			write: (frame) => this.#transport.send(frame),
			nextRequestId: (prefix) => this.#nextRequestId(prefix),
			applied: (self) => this.#events.emit("presence", this.#presence.updatedSelf(self)),
			acked: (requestId, ack) => this.#delivery.acked(requestId, ack),
			gaveUp: (requestId) => this.#delivery.failed(requestId),
		});
		this.#delivery = new MessageDelivery(
			(message, history) => this.#events.emit("message", message, { history }),
			settings.ownIdsLimit,
		);
		this.#transport = new RoomTransport(
			{
				...settings,
				url: () => socketUrlFor(options),
				random,
				now,
				WebSocket: options.WebSocket,
				fetch: options.fetch === undefined ? globalThis.fetch?.bind(globalThis) : (options.fetch ?? undefined),
			},
			this.#inbound.handlers({
				open: this.#onOpen,
				event: (frame) => routeServerFrame(frame, this.#frameTargets),
				close: this.#onClose,
				failed: this.#onFailed,
				refused: this.#fail,
			}),
		);
		this.#registration = new Registration(
			{
				state: () => this.#state,
				isOpen: () => this.readyState === RoomClient.OPEN,
				nextRequestId: (prefix) => this.#nextRequestId(prefix),
				write: (event, requestId, data) => this.#outgoing.writeControl(encodeClientFrame(event, requestId, data)),
				lastSeq: () => this.#delivery.lastSeq,
				entered: (data) => this.#entered(data),
				staying: () => this.#outgoing.pump(),
				leaving: () => this.#outgoing.leaving(),
				left: () => this.#left(),
				refused: (error) => this.#fail(error),
				turnedAway: (error) => this.#events.emit("error", retrying(error)),
			},
			{
				identity: () => ({ userId: options.userId, ...this.#registerFields(), presence: settings.presence }),
				retryMs: settings.rateLimitedRetryMs,
				backoff: settings.backoff,
				random,
				batch: settings.batch,
			},
		);
		this.#frameTargets = {
			events: this.#events,
			presence: this.#presence,
			registration: this.#registration,
			outgoing: this.#outgoing,
			delivery: this.#delivery,
			established: (data) => this.#established(data),
		};
	}

	/**
	 * Connects and registers; resolves at the first `Registered`. Reconnects on its own after that.
	 * A `Register` the room turns away for now (INTERNAL, TOO_MANY_CONNECTIONS) is an `error` event
	 * and goes again; one it refuses for good rejects. After `close()` (even one still under way),
	 * it rejects with CLOSED and opens nothing: a closed client is not reused.
	 */
	connect(): Promise<void> {
		if (this.#closeCalled) return Promise.reject(new RoomError(ClientErrorCodes.CLOSED, "the client is closed"));
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
	get self(): SelfUser | undefined {
		return this.#presence.self;
	}

	get connectionId(): string | undefined {
		return this.#connectionId;
	}

	/** Everyone in the room now (earliest first); empty in "count" mode. Kept while reconnecting; replaced on `Registered`. */
	get users(): User[] {
		return this.#presence.users;
	}

	/** How many users are present (leave grace included), in every presence mode. */
	get userCount(): number {
		return this.#presence.userCount;
	}

	/** The last message `seq` seen: where a resume starts. */
	get lastSeq(): number {
		return this.#delivery.lastSeq;
	}

	/** Sends waiting for an acknowledgement, offline ones included. */
	get pendingSends(): number {
		return this.#outgoing.sends.size;
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
		if (this.#state === "closed" || this.#closeCalled) {
			return Promise.reject(new RoomError(ClientErrorCodes.CLOSED, "the client is closed", requestId));
		}
		return this.#outgoing.sends.add(requestId, message, options.to);
	}

	/**
	 * Changes our name and/or meta on all our connections; resolves with our user as the room now
	 * has it. Calls made while one is on its way merge into one (each field's latest value wins).
	 */
	updateUser(fields: UserFields): Promise<SelfUser> {
		if (this.#state === "closed" || this.#closeCalled) {
			return Promise.reject(new RoomError(ClientErrorCodes.CLOSED, "the client is closed"));
		}
		return this.#outgoing.updates.request(fields);
	}

	/**
	 * An ephemeral signal (typing, a cursor) to the others in the room, or `to` one user: never
	 * stored, never answered, dropped while not in the room. See `SignalOptions` and `SignalOutcome`.
	 */
	signal(value: unknown, options: SignalOptions = {}): SignalOutcome {
		return this.#outgoing.signals.send(value, options);
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
	 * Leaves as the protocol describes (`Unregister`, then close with 1000) and stops for good:
	 * `connect()` after it rejects with CLOSED. Sends still unacknowledged are rejected with CLOSED
	 * (a resent one may have been stored).
	 */
	async close(): Promise<void> {
		const alreadyCalled = this.#closeCalled;
		this.#closeCalled = true;
		if (this.#state === "closed" || alreadyCalled) return;
		await this.#registration.leaveWithin(this.#settings.closeWaitMs);
		this.#shutDown(new RoomError(ClientErrorCodes.CLOSED, "the client was closed"));
	}

	#onOpen = (): void => {
		this.#outgoing.opened();
		this.#registration.opened();
		if (!this.#registration.wanted) this.#setState("unregistered");
	};

	#onClose = (code: number, reason: string): void => {
		this.#delivery.disconnected();
		this.#outgoing.closed();
		this.#registration.closed();
		if (this.#state === "closed") return;
		const final = finalCloseError(code, reason);
		if (final) {
			this.#fail(final);
			return;
		}
		this.#setState(this.#registration.everRegistered ? "reconnecting" : "connecting");
	};

	#onFailed = (error: RoomError): void => {
		this.#events.emit("error", error);
	};

	/** The room's welcome: our connection's id, the heartbeat's timeout and the room's rate. */
	#established(data: ConnectionEstablishedData): void {
		this.#connectionId = data.connectionId;
		this.#transport.deadAfterMs = this.#options.deadAfterMs ?? data.heartbeat.timeoutMs;
		this.#transport.leaveGraceMs = data.leaveGraceMs;
		this.#outgoing.established(data.limits);
		this.#registration.welcomed(data.version);
	}

	/**
	 * The name and meta a Register carries. The room's last word on our user (`self`) is the newest
	 * we know: our accepted updates set it, and so does another tab's, which the room would undo
	 * if we re-registered with older ones. Before the first `Registered`, the options'. Updates not
	 * yet answered stay out (a refused Register is final): they go after the next `Registered`.
	 */
	#registerFields(): UserFields {
		const self = this.#presence.self;
		if (!self) return { name: this.#options.name, meta: this.#options.meta };
		return { name: self.name, meta: self.meta };
	}

	/** Our Register was answered: the room's roster, our identity, and its history go to the page. */
	#entered(data: RegisteredData): void {
		const presence = this.#presence.registered(data);
		this.#connectionId = data.self.connectionId;
		// Everything written to an old socket goes again; the room dedups by clientMessageId.
		const uncertain = this.#outgoing.sends.requeueAll();
		const reset = this.#delivery.registered(data, uncertain);
		this.#setState("registered");
		this.#events.emit("presence", presence);
		const { lastSeq, historyTruncated } = data;
		this.#events.emit("registered", { self: data.self, lastSeq, historyTruncated, reset });
	}

	/** Out of the room: the roster is empty. */
	#left(): void {
		this.#events.emit("presence", this.#presence.left());
		if (this.readyState === RoomClient.OPEN) this.#setState("unregistered");
	}

	/** Stops for good, telling the page why. */
	#fail = (error: RoomError): void => {
		this.#events.emit("error", error);
		this.#shutDown(error);
	};

	#shutDown(reason: RoomError): void {
		this.#setState("closed");
		this.#transport.stop();
		this.#inbound.clear();
		this.#outgoing.refuseAll(reason);
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
