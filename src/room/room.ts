/**
 * The Room Durable Object: the one owner of a room's state. Sockets are hibernatable, each
 * connection's identity lives in its attachment; messages, their counter and who is present
 * (live or in leave grace) live in SQLite; what is in memory (the Hub) is a cache rebuilt from
 * those after every wake-up, and the one alarm wakes the room for what is due.
 */
import { clock } from "../clock";
import type { RoomsEnv } from "../env";
import {
	CloseCodes,
	HEARTBEAT,
	httpErrorResponse,
	type LeaveReason,
	LeaveReasons,
	type MessageSender,
	type MessagesPage,
	type OccupancyPage,
	ProtocolError,
	type User,
	type UsersPage,
	type UsersQuery,
} from "../protocol";
import type { RoomSettings } from "../settings";
import type { RoomAlarm } from "./alarm-plan";
import { RoomBackendCalls } from "./backend-calls";
import { closeReplyCode, isPeerGoneError } from "./close-reply";
import { checkValueSize, type PublishResult, publishMessage, type ServerPostResult } from "./deliver";
import { relaySignal } from "./handlers/signal";
import { errorDetail, type IncomingMessage, type MessageDecision } from "./hooks";
import type { FrameIntake } from "./intake";
import { mqttTimeoutMs } from "./mqtt/record";
import type { IdleReaper } from "./reaper";
import { assembleRoom } from "./room-parts";
import type { RoomState } from "./room-state";
import type { RoomObjects } from "./shards/room-objects";
import { earliest, keepUp } from "./upkeep";
import { usersPageOf } from "./users-page";

type Refused = Extract<ServerPostResult, { ok: false }>;

/** How often a stream of quiet frames (MQTT acknowledgements and pings) plans the alarm. */
const QUIET_PLAN_MS = 1000;

/**
 * Export it from your Worker as is, or a subclass of it with hooks (`onMessage`, `onJoin`,
 * `onLeave`): `E` is your Worker's environment, `this.env` in a hook.
 */
export class Room<E = RoomsEnv> extends RoomBackendCalls<E> {
	// ---- config ----------------------------------------------------------------
	readonly #settings: RoomSettings;

	// ---- private fields ----------------------------------------------------------
	readonly #state: RoomState;
	readonly #reaper: IdleReaper;

	/** Every client frame, checked, limited and handled. */
	readonly #intake: FrameIntake;

	/** The reaper's backstop and the end of the earliest leave grace, in one alarm. */
	readonly #alarm: RoomAlarm;

	/** (1.3) What this object does as one of its room's objects: root or shard. */
	readonly #objects: RoomObjects;

	/** When the alarm was last planned (quiet frames plan it at most every QUIET_PLAN_MS). */
	#plannedAt = Number.NEGATIVE_INFINITY;

	constructor(ctx: DurableObjectState, env: E) {
		super(ctx, env);
		const parts = assembleRoom(ctx, env as RoomsEnv, {
			name: () => this.roomName,
			hooks: {
				onMessage: (message) => this.onMessage(message),
				onJoin: (user) => this.onJoin(user),
				onLeave: (user, reason) => this.onLeave(user, reason),
			},
			planLater: (cause) => this.#planAlarmLater(cause),
			catchUp: (now) => this.#catchUp(now),
			logHook: (problem, error) => this.#logHook(problem, error),
			logFailure: (entryPoint, error) => this.#logFailure(entryPoint, error),
		});
		this.#settings = parts.settings;
		this.#state = parts.state;
		this.#alarm = parts.alarm;
		this.#reaper = parts.reaper;
		this.#objects = parts.objects;
		this.#intake = parts.intake;
		// The runtime answers heartbeats itself: a ping never wakes the object.
		ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(HEARTBEAT.request, HEARTBEAT.response));
	}

	// ---- hooks: a subclass overrides these ---------------------------------------------

	/**
	 * Sees every message before it is stored: a client's `SendMessage` and a backend's publish.
	 * Return nothing to keep it, `{ message }` to store another value, `{ refuse: code }` to
	 * refuse it. Synchronous: it runs inside the room's turn, so messages keep their order.
	 */
	protected onMessage(_message: IncomingMessage): MessageDecision {
		return undefined;
	}

	/** After a user joined the roster (a return within the leave grace is not a join). */
	protected onJoin(_user: User): void {}

	/** After a user left the roster: after the leave grace, or at once on `Unregister`. */
	protected onLeave(_user: User, _reason: LeaveReason): void {}

	/** The room's name, as clients and `getRoom` address it (`idFromName`, so its id carries it). */
	protected get roomName(): string {
		return this.ctx.id.name ?? this.ctx.id.toString();
	}

	// ---- runtime entry points ----------------------------------------------------

	override async fetch(request: Request): Promise<Response> {
		let response: Response;
		try {
			// Ghosts are let go of first, so that they do not hold places in a full room.
			this.#catchUp(clock.now());
			response = await this.#objects.answerUpgrade(request, clock.now());
			// (1.5) An MQTT session that never sends its CONNECT is let go of on time.
			if (response.headers.get("Sec-WebSocket-Protocol") === "mqtt") {
				this.#reaper.noteMqttDeadline(clock.now() + mqttTimeoutMs({ st: "new" }));
			}
		} catch (error) {
			this.#logFailure("fetch", error);
			response = httpErrorResponse("INTERNAL", "the room failed to accept the connection");
		}
		// On every answer, a refusal too: the sweep may have started graces, an accept needs the backstop.
		await this.#planAlarm().catch((error: unknown) => this.#logFailure("fetch", error));
		return response;
	}

	override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
		const quiet = this.#intake.handle(ws, data);
		// (1.5) An MQTT acknowledgement or ping changes nothing the alarm waits for: planned once a second at most.
		if (quiet && clock.now() - this.#plannedAt < QUIET_PLAN_MS) return;
		await this.#planAlarm().catch((error: unknown) => this.#logFailure("webSocketMessage", error));
	}

	override async webSocketClose(ws: WebSocket, code: number, reason: string, wasClean: boolean): Promise<void> {
		try {
			this.#state.hub.release(ws, LeaveReasons.close);
			this.#catchUp(clock.now());
			const reply = closeReplyCode(code, wasClean);
			if (reply !== undefined && ws.readyState !== WebSocket.CLOSED) {
				try {
					ws.close(reply, reason);
				} catch {
					// the runtime completed the handshake itself: nothing left to answer
				}
			}
			await this.#planAlarm();
		} catch (error) {
			this.#logFailure("webSocketClose", error);
		}
	}

	override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
		if (!isPeerGoneError(ws.readyState, error)) this.#logFailure("webSocketError (socket)", error);
		await this.webSocketClose(ws, CloseCodes.internalError, "", false);
	}

	/**
	 * The end of a leave grace, or the idle reaper's backstop for a room where nothing else
	 * happens (every event the room handles sweeps too): then the next one is planned.
	 */
	override async alarm(): Promise<void> {
		this.#alarm.ran();
		try {
			const now = clock.now();
			this.#state.hub.expireGrace(now);
			this.#reaper.sweep(now);
			await this.#planAlarm();
		} catch (error) {
			this.#logFailure("alarm", error);
		}
	}

	// ---- RPC methods ---------------------------------------------------------------

	/** `GET /rooms/:room/users`: everyone present (leave grace included), earliest joiner first, or a page (1.3). */
	async usersPage(query: UsersQuery = {}): Promise<UsersPage> {
		this.#catchUp(clock.now());
		await this.#planAlarm();
		const { hub } = this.#state;
		return usersPageOf(this.roomName, hub.users(), hub.counts().userCount, query);
	}

	/** `GET /rooms/:room/occupancy`: users present (leave grace included), their connections, the objects holding sockets. */
	async occupancy(): Promise<OccupancyPage> {
		this.#catchUp(clock.now());
		await this.#planAlarm();
		const { hub } = this.#state;
		return { room: this.roomName, ...hub.counts(), shards: this.#objects.objectsInUse(hub.size) };
	}

	/**
	 * Public messages after `since`, oldest first, at most `limit` (direct messages left out), as
	 * the JSON body of `GET /rooms/:room/messages`: encoded once, here, and passed through.
	 */
	async messagesPageJson(since: number, limit: number): Promise<string> {
		const { messages } = this.#state.store.history({ since, limit, keep: "oldest" });
		const page: MessagesPage = { room: this.roomName, messages, lastSeq: this.#state.store.lastSeq };
		return JSON.stringify(page);
	}

	/**
	 * Server publish: a message from a backend (`POST /rooms/:room/messages`), stored and
	 * delivered like any other. `messageJson` is the checked body's message, as JSON.
	 */
	publish(messageJson: string, from: MessageSender, to?: string): Promise<PublishResult> {
		return this.#serverPost("publish", "publish the message", () => {
			checkValueSize(this.#state, messageJson);
			return publishMessage(this.#state, JSON.parse(messageJson), from, to);
		});
	}

	/** Server signal (`POST /rooms/:room/signals`): relayed like a client's, never stored. */
	signal(signalJson: string, from: MessageSender, to?: string): Promise<ServerPostResult> {
		return this.#serverPost("signal", "relay the signal", () => {
			checkValueSize(this.#state, signalJson);
			relaySignal(this.#state, from, JSON.parse(signalJson), to, "forced");
			return { ok: true };
		});
	}

	// ---- helpers -------------------------------------------------------------------

	/** A server route's call: the room's refusal as a result, a failure logged and thrown without its detail. */
	async #serverPost<T extends { ok: boolean }>(name: string, what: string, work: () => T): Promise<T | Refused> {
		try {
			// Graces already over end first: `to` a user who has left is refused.
			this.#catchUp(clock.now());
			return work();
		} catch (error) {
			if (error instanceof ProtocolError) return { ok: false, code: error.code, message: error.message };
			this.#logFailure(name, error);
			throw new Error(`the room failed to ${what}`);
		} finally {
			await this.#planAlarm().catch((failure: unknown) => this.#logFailure(name, failure));
		}
	}

	/** (1.3) A call from another object of the room: a failure is logged here and thrown back without its detail. */
	protected override async objectCall<T>(name: string, work: (objects: RoomObjects, now: number) => T): Promise<T> {
		try {
			this.#catchUp(clock.now());
			return work(this.#objects, clock.now());
		} catch (error) {
			this.#logFailure(name, error);
			throw new Error(`the room failed to answer ${name}`);
		} finally {
			await this.#planAlarm().catch((error: unknown) => this.#logFailure(name, error));
		}
	}

	/**
	 * What is due on any event the room handles anyway: graces that have ended, and (throttled)
	 * the sweep for silent connections.
	 */
	#catchUp(now: number): boolean {
		this.#state.hub.flushDue(now);
		this.#state.hub.expireGrace(now);
		return this.#reaper.sweepIfDue(now);
	}

	/**
	 * After every event: what is due between the room's objects goes; the alarm planned, or the
	 * storage of a room with nothing to keep (here or on its shards) deleted.
	 */
	async #planAlarm(): Promise<void> {
		this.#plannedAt = clock.now();
		const objects = this.#objects;
		objects.afterEvent();
		const wakeAt = earliest(objects.wakeAt(), this.#reaper.mqttDeadline);
		return keepUp(this.ctx.storage, this.#state, this.#alarm, objects.holdsElsewhere(clock.now()), wakeAt);
	}

	/** The alarm planned after something that happened outside an entry point. */
	#planAlarmLater(cause: string): void {
		void this.#planAlarm().catch((error: unknown) => this.#logFailure(cause, error));
	}

	#logHook(problem: string, error?: unknown): void {
		console.error(`room "${this.roomName}": ${problem}${error === undefined ? "" : `: ${errorDetail(error)}`}`);
	}

	#logFailure(entryPoint: string, error: unknown): void {
		console.error(`room "${this.roomName}": ${entryPoint} failed: ${errorDetail(error)}`);
	}
}
