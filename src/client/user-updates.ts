/**
 * `updateUser()`'s changes on their way to the room. One `UpdateUser` is on the wire at a time;
 * calls made meanwhile merge into one pending update (each field's latest value wins), so a stream
 * of status or cursor changes never queues stale ones. Each caller is answered by the reply to the
 * update that carried its fields.
 */
import { ClientEvents, ErrorCodes } from "../protocol/constants";
import type { SelfUser } from "../protocol/types";
import { ClientErrorCodes, RoomError } from "./errors";
import { type PaceLane, type SendPacer, WakeUp } from "./pacer";
import type { ClientSettings } from "./settings";
import type { UserFields } from "./types";
import { encodeClientFrame } from "./wire";

export interface UserUpdatesOptions extends Pick<ClientSettings, "rateLimitedRetryMs" | "rateLimitedMaxRetries"> {
	now: () => number;
	/** The connection's rate, shared with every other client event. */
	pacer: SendPacer;
	/** Whether sends and updates may be written now (registered and staying, socket open). */
	canWrite: () => boolean;
	/** Whether the caller wants to be in the room: an update while out of it is refused with UNREGISTERED. */
	wanted: () => boolean;
	write: (frame: string) => void;
	nextRequestId: () => string;
	/** The room applied an update: this is our user now. */
	applied: (self: SelfUser) => void;
}

interface Waiter {
	resolve: (self: SelfUser) => void;
	reject: (error: RoomError) => void;
}

interface Update {
	fields: UserFields;
	waiters: Waiter[];
	/** RATE_LIMITED answers so far, and not before when (ms) it may go again. */
	rateLimited: number;
	notBefore: number;
}

/** `newer`'s fields over `older`'s, everyone waiting for either; `older` keeps its place in the rate. */
function merge(older: Update, newer: Update | undefined): Update {
	if (!newer) return older;
	return { ...older, fields: { ...older.fields, ...newer.fields }, waiters: [...older.waiters, ...newer.waiters] };
}

export class UserUpdates {
	readonly #options: UserUpdatesOptions;
	#pending: Update | undefined;
	#inFlight: (Update & { requestId: string }) | undefined;
	readonly #wakeUp = new WakeUp(() => this.pump());
	/** Its turn at the pace: while an update may be written. */
	readonly #lane: PaceLane = {
		wantsTurn: () => {
			const pending = this.#pending;
			return (
				pending !== undefined && !this.#inFlight && pending.notBefore <= this.#options.now() && this.#options.canWrite()
			);
		},
	};

	constructor(options: UserUpdatesOptions) {
		this.#options = options;
	}

	/**
	 * Queues `fields`, merged into any update not yet written; resolves with the room's answer.
	 * Offline, it waits for the next `Registered`.
	 */
	request(fields: UserFields): Promise<SelfUser> {
		if (!this.#options.wanted()) {
			return Promise.reject(new RoomError(ClientErrorCodes.UNREGISTERED, "not in the room: register() first"));
		}
		const problem = checkFields(fields);
		if (problem) return Promise.reject(problem);
		return new Promise((resolve, reject) => {
			const update: Update = { fields, waiters: [{ resolve, reject }], rateLimited: 0, notBefore: 0 };
			this.#pending = this.#pending ? merge(this.#pending, update) : update;
			this.pump();
		});
	}

	/** Writes the pending update when nothing is on the wire and the rate allows. */
	pump(): void {
		const pending = this.#pending;
		if (!pending || this.#inFlight || this.#wakeUp.waiting || !this.#options.canWrite()) return;
		const now = this.#options.now();
		const waitMs = pending.notBefore > now ? pending.notBefore - now : this.#options.pacer.take(this.#lane);
		if (waitMs > 0) {
			this.#wakeUp.after(waitMs);
			return;
		}
		const requestId = this.#options.nextRequestId();
		this.#pending = undefined;
		this.#inFlight = { ...pending, requestId };
		this.#options.write(encodeClientFrame(ClientEvents.UpdateUser, requestId, pending.fields));
	}

	/** An `Updated` frame; answers whether it was for our update on the wire. */
	answered(requestId: string | undefined, self: SelfUser): boolean {
		const update = this.#take(requestId);
		if (!update) return false;
		this.#options.applied(self);
		for (const waiter of update.waiters) waiter.resolve(self);
		this.pump();
		return true;
	}

	/** An `Error` frame; answers whether it refused our update on the wire. RATE_LIMITED goes again later. */
	refused(error: RoomError): boolean {
		const update = this.#take(error.requestId);
		if (!update) return false;
		const retries = error.code === ErrorCodes.RATE_LIMITED && update.rateLimited < this.#options.rateLimitedMaxRetries;
		// An update no one waits for any more (unregister() was called) is not tried again.
		if (retries && update.waiters.length > 0) {
			const notBefore = this.#options.now() + this.#options.rateLimitedRetryMs;
			this.#pending = merge({ ...update, rateLimited: update.rateLimited + 1, notBefore }, this.#pending);
		} else {
			for (const waiter of update.waiters) waiter.reject(error);
		}
		this.pump();
		return true;
	}

	/**
	 * The socket closed. The update on it may or may not have been applied; applying it again
	 * changes nothing, so it goes again after the next `Registered`, unless no one waits for it.
	 */
	disconnected(): void {
		this.#wakeUp.cancel();
		const update = this.#inFlight;
		this.#inFlight = undefined;
		if (update && update.waiters.length > 0) {
			this.#pending = merge({ ...update, notBefore: 0 }, this.#pending);
		}
	}

	/** unregister(): no update is answered any more; the one on the wire still counts if the room applies it. */
	leaving(): void {
		const refusal = new RoomError(ClientErrorCodes.UNREGISTERED, "unregistered before the update was answered");
		this.refuseAll(refusal);
	}

	/** Every waiting caller is told `reason`; nothing more goes. */
	refuseAll(reason: RoomError): void {
		this.#wakeUp.cancel();
		const waiters = [...(this.#inFlight?.waiters.splice(0) ?? []), ...(this.#pending?.waiters ?? [])];
		this.#pending = undefined;
		for (const waiter of waiters) waiter.reject(reason);
	}

	#take(requestId: string | undefined): Update | undefined {
		const update = this.#inFlight;
		if (!update || requestId !== update.requestId) return undefined;
		this.#inFlight = undefined;
		return update;
	}
}

/** BAD_REQUEST for an update without fields, NOT_JSON for a meta that cannot be sent. */
function checkFields(fields: UserFields): RoomError | undefined {
	if (fields.name === undefined && fields.meta === undefined) {
		return new RoomError(ErrorCodes.BAD_REQUEST, "updateUser needs name or meta");
	}
	try {
		JSON.stringify(fields);
		return undefined;
	} catch {
		return new RoomError(ClientErrorCodes.NOT_JSON, "meta is not a JSON object");
	}
}
