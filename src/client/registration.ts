/**
 * Whether this connection is in the room, and getting it in or out as the caller asks. One
 * Register or Unregister is on its way at a time; a call for the other waits for its answer. A
 * RATE_LIMITED one is retried on the same socket only. An Error answering a Register is final
 * when it says the Register itself is refused (who we say we are, or the frame); one that may
 * pass (INTERNAL, TOO_MANY_CONNECTIONS: the room keeps the socket open, unregistered) is retried
 * on the same socket with the reconnect's backoff.
 */
import { ClientEvents, type ErrorCode, ErrorCodes, type PresenceMode } from "../protocol/constants";
import type { RegisteredData } from "../protocol/types";
import { versionAtLeast } from "../protocol/version";
import { type BackoffOptions, backoffDelay } from "./backoff";
import { ClientErrorCodes, RoomError } from "./errors";
import type { RoomClientOptions, RoomClientState } from "./types";

export type ControlEvent = typeof ClientEvents.Register | typeof ClientEvents.Unregister;

/** What a Registration asks of the client around it, and tells it. */
export interface RegistrationHost {
	state(): RoomClientState;
	isOpen(): boolean;
	nextRequestId(prefix: "r" | "u"): string;
	/** Writes a Register or Unregister to the open socket. */
	write(event: ControlEvent, requestId: string, data: object): void;
	/** The last message `seq` seen: where a resume starts. */
	lastSeq(): number;
	/** Our Register was answered: the room counts us in. */
	entered(data: RegisteredData): void;
	/** In the room and meaning to stay: queued sends may go. */
	staying(): void;
	/** The caller asked to leave: sends not yet written go no further. */
	leaving(): void;
	/** Out of the room. */
	left(): void;
	/** The room refused our Register: retrying cannot help. */
	refused(error: RoomError): void;
	/** The room turned our Register away for now: it goes again after a backoff. */
	turnedAway(error: RoomError): void;
}

/** Who we say we are, and how we hear presence. */
export type Identity = Pick<RoomClientOptions, "userId" | "name" | "meta"> & { presence: PresenceMode };

export interface RegistrationOptions {
	/** Read afresh for every Register: a name or meta changed since goes with it. */
	identity: () => Identity;
	/** How long a RATE_LIMITED Register or Unregister waits before it goes again. */
	retryMs: number;
	/** The delays before a Register turned away for now goes again (the reconnect's). */
	backoff: BackoffOptions;
	random: () => number;
	/**
	 * Ask for batched frames (1.2) when the room has them. Only its welcome (`ConnectionEstablished`)
	 * says so, and a 1.1 room refuses the field: each socket's first Register waits for it.
	 */
	batch: boolean;
}

/** The version that brought batched frames. */
const BATCHED_FRAMES_VERSION = "1.2";

/**
 * Answers to a Register that the same Register would get again: the room refuses who we say we
 * are (a ban included), or the frame itself. Any other code may pass: the server failed (INTERNAL), or the user's
 * other connections leave room (TOO_MANY_CONNECTIONS).
 */
const FINAL_REGISTER_REFUSALS: ReadonlySet<RoomError["code"]> = new Set<ErrorCode>([
	ErrorCodes.UNAUTHORIZED,
	// (1.4) A user the room's backend banned.
	ErrorCodes.FORBIDDEN,
	ErrorCodes.ALREADY_REGISTERED,
	ErrorCodes.BAD_REQUEST,
	ErrorCodes.BAD_JSON,
	ErrorCodes.BAD_FRAME,
	ErrorCodes.UNKNOWN_EVENT,
	ErrorCodes.MESSAGE_TOO_LARGE,
]);

type Waiter = { resolve: () => void; reject: (error: RoomError) => void };

export class Registration {
	readonly #host: RegistrationHost;
	readonly #options: RegistrationOptions;
	/** What the caller asked for: in the room (connect, register) or not (unregister). */
	#wanted = true;
	#everRegistered = false;
	#registerId: string | undefined;
	#unregisterId: string | undefined;
	#registeredWaiters: Waiter[] = [];
	#unregisterWaiters: Array<() => void> = [];
	#retryTimer: ReturnType<typeof setTimeout> | undefined;
	/** Registers turned away for now in a row on this socket: the backoff's attempt. */
	#turnedAway = 0;
	/** This socket's room welcomed us, and said a version that has batched frames. */
	#welcomed = false;
	#roomBatches = false;

	constructor(host: RegistrationHost, options: RegistrationOptions) {
		this.#host = host;
		this.#options = options;
	}

	get wanted(): boolean {
		return this.#wanted;
	}

	/** Whether the room has counted us in at least once: later joins resume. */
	get everRegistered(): boolean {
		return this.#everRegistered;
	}

	/** connect(): the caller wants to be in the room; the Register goes when the socket opens (or is welcomed). */
	want(): void {
		this.#wanted = true;
	}

	/** Back into the room, now if nothing is on its way; resolves at the `Registered`. */
	register(): Promise<void> {
		this.#wanted = true;
		const idle = this.#registerId === undefined && this.#unregisterId === undefined;
		if (idle && this.#host.state() === "unregistered" && this.#host.isOpen()) this.#sendRegister();
		// An Unregister on its way is followed by a Register when its answer comes.
		return this.whenRegistered();
	}

	/** Out of the room, keeping the socket; resolves once out (or the socket is gone). */
	unregister(): Promise<void> {
		this.#wanted = false;
		this.#host.leaving();
		const state = this.#host.state();
		if (state === "closed") return Promise.resolve();
		const left = new Promise<void>((resolve) => this.#unregisterWaiters.push(resolve));
		if (state === "registered" && this.#host.isOpen()) {
			if (this.#unregisterId === undefined) this.#sendUnregister();
		} else if (this.#registerId === undefined) {
			// Not in the room, and not on the way in: nothing to tell the room.
			this.#left();
		}
		// Otherwise a Register is on its way: its Registered is answered with an Unregister.
		return left;
	}

	/** close(): leaves the room if in it, waiting at most `waitMs` for the answer. */
	async leaveWithin(waitMs: number): Promise<void> {
		if (this.#host.state() !== "registered") return;
		let timer: ReturnType<typeof setTimeout> | undefined;
		const waited = new Promise<void>((resolve) => {
			timer = setTimeout(resolve, waitMs);
		});
		await Promise.race([this.unregister(), waited]);
		clearTimeout(timer);
	}

	/** Resolves at the next `Registered`, at once if in the room and staying; rejects once closed. */
	whenRegistered(): Promise<void> {
		const state = this.#host.state();
		if (state === "registered" && this.#unregisterId === undefined) return Promise.resolve();
		if (state === "closed") return Promise.reject(new RoomError(ClientErrorCodes.CLOSED, "the client is closed"));
		return new Promise((resolve, reject) => this.#registeredWaiters.push({ resolve, reject }));
	}

	/** A socket opened: a new connection starts outside the room, its room not heard yet. */
	opened(): void {
		this.#welcomed = false;
		this.#roomBatches = false;
		if (this.#wanted) this.#sendRegister();
	}

	/** The room's welcome (`ConnectionEstablished`), once a socket: a Register waiting for it goes. */
	welcomed(version: unknown): void {
		if (this.#welcomed) return;
		this.#welcomed = true;
		this.#roomBatches = versionAtLeast(version, BATCHED_FRAMES_VERSION);
		if (this.#wanted && this.#options.batch) this.#sendRegister();
	}

	/** The socket closed: nothing on it will be answered, and a closed connection is out of the room. */
	closed(): void {
		this.#clearRetry();
		this.#turnedAway = 0;
		this.#registerId = undefined;
		this.#unregisterId = undefined;
		for (const resolve of this.#unregisterWaiters.splice(0)) resolve();
	}

	/** The client stopped for good: whoever waits for a `Registered` is told `reason`. */
	stop(reason: RoomError): void {
		this.#clearRetry();
		for (const waiter of this.#registeredWaiters.splice(0)) waiter.reject(reason);
		for (const resolve of this.#unregisterWaiters.splice(0)) resolve();
	}

	/** A `Registered` frame; one answering no Register of ours is ignored. */
	onRegistered(requestId: string | undefined, data: RegisteredData): void {
		if (requestId !== this.#registerId) return;
		this.#registerId = undefined;
		this.#turnedAway = 0;
		this.#everRegistered = true;
		this.#host.entered(data);
		for (const waiter of this.#registeredWaiters.splice(0)) waiter.resolve();
		// unregister() was called while the Register was on its way.
		if (!this.#wanted) this.#sendUnregister();
		else this.#host.staying();
	}

	/** An `Unregistered` frame; one answering no Unregister of ours is ignored. */
	onUnregistered(requestId: string | undefined): void {
		if (requestId === this.#unregisterId) this.#outOfRoom();
	}

	/** An `Error` frame. Answers whether it answered our Register or Unregister. */
	onError(error: RoomError): boolean {
		const { requestId } = error;
		if (requestId === undefined) return false;
		const limited = error.code === ErrorCodes.RATE_LIMITED;
		if (requestId === this.#registerId) {
			this.#registerId = undefined;
			const registerAgain = () => this.#wanted && this.#sendRegister();
			if (limited) {
				this.#retryLater(this.#options.retryMs, registerAgain);
			} else if (FINAL_REGISTER_REFUSALS.has(error.code)) {
				this.#host.refused(error);
			} else {
				this.#turnedAway += 1;
				this.#host.turnedAway(error);
				this.#retryLater(backoffDelay(this.#turnedAway, this.#options.backoff, this.#options.random), registerAgain);
			}
			return true;
		}
		if (requestId !== this.#unregisterId) return false;
		this.#unregisterId = undefined;
		// NOT_REGISTERED and the like: the room does not count us in, which is what was asked.
		if (limited) this.#retryLater(this.#options.retryMs, () => !this.#wanted && this.#sendUnregister());
		else this.#outOfRoom();
		return true;
	}

	#outOfRoom(): void {
		this.#unregisterId = undefined;
		this.#left();
		// register() was called while the Unregister was on its way.
		if (this.#wanted) this.#sendRegister();
	}

	#left(): void {
		this.#host.left();
		for (const resolve of this.#unregisterWaiters.splice(0)) resolve();
	}

	#sendRegister(): void {
		// Without batching, a Register goes on open as in 1.1; with it, once the room said its version.
		if (!this.#host.isOpen() || (this.#options.batch && !this.#welcomed)) return;
		// This Register replaces any retry still waiting.
		this.#clearRetry();
		this.#registerId = this.#host.nextRequestId("r");
		const { userId, name, meta, presence } = this.#options.identity();
		this.#host.write(ClientEvents.Register, this.#registerId, {
			...(userId === undefined ? {} : { userId }),
			...(name === undefined ? {} : { name }),
			...(meta === undefined ? {} : { meta }),
			presence,
			...(this.#options.batch && this.#roomBatches ? { batch: true } : {}),
			// The first join asks for the latest history; every later one resumes.
			...(this.#everRegistered ? { since: this.#host.lastSeq() } : {}),
		});
	}

	#sendUnregister(): void {
		if (!this.#host.isOpen()) return;
		this.#unregisterId = this.#host.nextRequestId("u");
		this.#host.write(ClientEvents.Unregister, this.#unregisterId, {});
	}

	/** Runs `action` after `delayMs` if the same socket is still open then. */
	#retryLater(delayMs: number, action: () => unknown): void {
		// Cleared when the socket closes, so it never reaches a new one.
		this.#clearRetry();
		this.#retryTimer = setTimeout(() => {
			this.#retryTimer = undefined;
			if (this.#host.isOpen()) action();
		}, delayMs);
	}

	#clearRetry(): void {
		if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
		this.#retryTimer = undefined;
	}
}
