/**
 * The Room Durable Object: the one owner of a room's state. Sockets are hibernatable, each
 * connection's identity lives in its attachment, the message counter in SQLite; what is in
 * memory (the Hub) is a cache rebuilt from those after every wake-up.
 */
import { DurableObject } from "cloudflare:workers";
import {
	CloseCodes,
	type ErrorCode,
	ErrorCodes,
	encodeError,
	encodeServerFrame,
	HEARTBEAT,
	httpErrorBody,
	LeaveReasons,
	type MessageSender,
	type MessagesPage,
	PROTOCOL_VERSION,
	parseClientFrame,
	requestIdAtHead,
	ServerEvents,
	type User,
	utf8ByteLength,
} from "../protocol";
import { type Env, type RoomSettings, readSettings } from "../settings";
import { Connection } from "./connection";
import {
	ProtocolError,
	type PublishResult,
	publishMessage,
	type RoomState,
	register,
	sendMessage,
	unregister,
} from "./events";
import { readVerifiedIdentity } from "./handoff";
import { Hub, trySend } from "./hub";
import { isIdle, lastActivity, sweepDue } from "./liveness";
import { type RatePolicy, ratePolicy } from "./rate-limit";
import { RoomStore } from "./store";

export class Room extends DurableObject<Env> {
	// ---- config ----------------------------------------------------------------
	readonly #settings: RoomSettings;

	readonly #ratePolicy: RatePolicy;

	// ---- private fields ----------------------------------------------------------
	readonly #state: RoomState;

	/** When this instance last looked for silent connections; undefined until its first sweep. */
	#lastSweepAt: number | undefined;

	/** Known to have the backstop alarm set, so that a connect need not ask storage (per instance). */
	#backstopSet = false;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#settings = readSettings(env);
		this.#ratePolicy = ratePolicy(this.#settings.rateLimit);
		this.#state = {
			hub: new Hub(() => ctx.getWebSockets(), {
				maxBufferedBytes: this.#settings.maxBufferedBytes,
				warn: (text) => console.warn(`room "${this.#roomName}": ${text}`),
			}),
			store: new RoomStore(ctx.storage, { historyLimit: this.#settings.historyLimit }),
		};
		// The runtime answers heartbeats itself: a ping never wakes the object.
		ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(HEARTBEAT.request, HEARTBEAT.response));
	}

	// ---- runtime entry points ----------------------------------------------------

	override async fetch(request: Request): Promise<Response> {
		try {
			if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
				return Response.json(httpErrorBody("UPGRADE_REQUIRED", "this endpoint takes WebSocket upgrades only"), {
					status: 426,
				});
			}
			// Ghosts are let go of first, so that they do not hold places in a full room.
			this.#sweepIfDue(Date.now());
			// Decided here, by the one owner of the room's connections, before anything is accepted.
			if (this.#state.hub.size >= this.#settings.maxConnections) {
				return Response.json(
					httpErrorBody("ROOM_FULL", `this room holds at most ${this.#settings.maxConnections} connections`),
					{ status: 503 },
				);
			}
			const verified = readVerifiedIdentity(request);
			const pair = new WebSocketPair();
			const [client, server] = [pair[0], pair[1]];
			this.ctx.acceptWebSocket(server);
			const connection = Connection.open(server, Date.now(), verified);
			this.#state.hub.add(connection);
			server.send(
				encodeServerFrame(ServerEvents.ConnectionEstablished, {
					protocol: PROTOCOL_VERSION,
					connectionId: connection.id,
					room: this.#roomName,
					heartbeat: HEARTBEAT,
				}),
			);
			await this.#ensureBackstop();
			return new Response(null, { status: 101, webSocket: client });
		} catch (error) {
			this.#logFailure("fetch", error);
			return Response.json(httpErrorBody("INTERNAL", "the room failed to accept the connection"), { status: 500 });
		}
	}

	override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
		let requestId: string | undefined;
		try {
			const connection = this.#state.hub.get(ws);
			if (!connection) return; // already let go of: nothing it says counts
			// A peer that does not read what it is sent gets no more: not even a reply.
			if (this.#state.hub.dropIfTooSlow(connection)) return;
			const now = Date.now();
			const verdict = connection.arrive(now, this.#ratePolicy);
			this.#sweepIfDue(now);
			if (typeof data !== "string") {
				if (verdict !== "admit") return this.#rateLimited(connection, verdict);
				throw new ProtocolError(ErrorCodes.BAD_FRAME, "binary frames are not accepted; send JSON text");
			}
			// An oversized frame is never parsed (shedding it must stay cheap); its requestId is
			// looked for at its head only. A frame within the limit is parsed, if only for its requestId.
			const parsed = this.#tooLarge(data) ? undefined : parseClientFrame(data);
			requestId = parsed ? (parsed.ok ? parsed.frame.requestId : parsed.requestId) : requestIdAtHead(data);
			if (verdict !== "admit") return this.#rateLimited(connection, verdict, requestId);
			if (!parsed) {
				throw new ProtocolError(ErrorCodes.MESSAGE_TOO_LARGE, `frame exceeds ${this.#settings.maxMessageBytes} bytes`);
			}
			if (!parsed.ok) throw new ProtocolError(parsed.code, parsed.message);
			const { frame } = parsed;
			switch (frame.event) {
				case "Register":
					return register(this.#state, connection, frame.requestData, requestId);
				case "SendMessage":
					return sendMessage(this.#state, connection, frame.requestData, requestId);
				case "Unregister":
					return unregister(this.#state, connection, requestId);
			}
		} catch (error) {
			if (error instanceof ProtocolError) return this.#reject(ws, error.code, error.message, requestId);
			this.#logFailure("webSocketMessage", error);
			this.#reject(ws, ErrorCodes.INTERNAL, "the room failed to handle this request", requestId);
		}
	}

	override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
		try {
			this.#state.hub.release(ws, LeaveReasons.close);
			this.#sweepIfDue(Date.now());
			// Hibernatable sockets get no automatic reply to a Close (tested): complete the handshake
			// here, guarded in case the runtime has replied. 1005/1006 describe a missing code: never sent.
			const replyCode = code === 1005 || code === 1006 ? CloseCodes.normal : code;
			try {
				ws.close(replyCode, reason);
			} catch {
				// already closed: nothing to complete
			}
			await this.#restIfEmpty();
		} catch (error) {
			this.#logFailure("webSocketClose", error);
		}
	}

	override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
		this.#logFailure("webSocketError (socket)", error);
		try {
			this.#state.hub.release(ws, LeaveReasons.close);
			this.#sweepIfDue(Date.now());
			await this.#restIfEmpty();
		} catch (failure) {
			this.#logFailure("webSocketError", failure);
		}
	}

	/**
	 * The idle reaper's backstop, for a room where nothing else happens: sweeps, and looks again
	 * `IDLE_SWEEP_SECONDS` later while connections remain. Every event the room handles sweeps too.
	 */
	override async alarm(): Promise<void> {
		this.#backstopSet = false; // this run consumed it
		try {
			const now = Date.now();
			this.#sweep(now);
			if (this.#state.hub.size === 0) await this.#restIfEmpty();
			else await this.#setBackstop(now);
		} catch (error) {
			this.#logFailure("alarm", error);
		}
	}

	// ---- RPC methods ---------------------------------------------------------------

	/** The registered users now, earliest joiner first. */
	async listUsers(): Promise<readonly User[]> {
		return this.#state.hub.users();
	}

	/**
	 * Public messages after `since`, oldest first, at most `limit` (direct messages left out), as
	 * the JSON body of `GET /rooms/:room/messages`: encoded once, here, and passed through.
	 */
	async messagesPageJson(since: number, limit: number): Promise<string> {
		const { messages } = this.#state.store.history({ since, limit, keep: "oldest" });
		const page: MessagesPage = { room: this.#roomName, messages, lastSeq: this.#state.store.lastSeq };
		return JSON.stringify(page);
	}

	/**
	 * Server publish: a message from a backend (`POST /rooms/:room/messages`), stored and
	 * delivered like any other. `messageJson` is the checked body's message, as JSON.
	 */
	async publish(messageJson: string, from: MessageSender, to?: string): Promise<PublishResult> {
		try {
			return publishMessage(this.#state, JSON.parse(messageJson), from, to);
		} catch (error) {
			if (error instanceof ProtocolError) return { ok: false, code: error.code, message: error.message };
			this.#logFailure("publish", error);
			throw new Error("the room failed to publish the message");
		}
	}

	// ---- helpers -------------------------------------------------------------------

	/** An event over the rate is dropped with RATE_LIMITED; a connection that keeps going is closed with 1008. */
	#rateLimited(connection: Connection, verdict: "drop" | "close", requestId?: string): void {
		const { rate, burst } = this.#ratePolicy;
		this.#reject(
			connection.socket,
			ErrorCodes.RATE_LIMITED,
			`over ${rate} events per second (bursts of ${burst}); this event was dropped`,
			requestId,
		);
		if (verdict === "close") {
			this.#state.hub.drop(connection.socket, LeaveReasons.close, CloseCodes.policy, "rate limit exceeded");
		}
	}

	/** The room is addressed by name (`idFromName`), so its id carries the name. */
	get #roomName(): string {
		return this.ctx.id.name ?? this.ctx.id.toString();
	}

	#reject(ws: WebSocket, code: ErrorCode, message: string, requestId?: string): void {
		trySend(ws, encodeError(code, message, requestId));
	}

	/** UTF-8 size over the limit; the exact count is taken only when the length leaves it open. */
	#tooLarge(frame: string): boolean {
		const max = this.#settings.maxMessageBytes;
		if (frame.length > max) return true;
		return frame.length * 3 > max && utf8ByteLength(frame) > max;
	}

	#lastActiveAt(connection: Connection): number {
		return lastActivity(connection.lastSeenAt, this.ctx.getWebSocketAutoResponseTimestamp(connection.socket));
	}

	/**
	 * Closes every connection silent for `timeoutMs` with 4000 (its user leaves with reason
	 * `timeout`), including ghosts whose close was never reported (workerd issue 1187).
	 */
	#sweep(now: number): void {
		this.#lastSweepAt = now;
		for (const connection of [...this.#state.hub.connections()]) {
			if (!isIdle(this.#lastActiveAt(connection), now, HEARTBEAT.timeoutMs)) continue;
			this.#state.hub.drop(connection.socket, LeaveReasons.timeout, CloseCodes.idleTimeout, "idle timeout");
		}
	}

	/** The opportunistic sweep: on an event the room handles anyway, throttled. */
	#sweepIfDue(now: number): void {
		if (sweepDue(this.#lastSweepAt, now)) this.#sweep(now);
	}

	/** A room with connections keeps the backstop alarm set; storage is asked once per instance. */
	async #ensureBackstop(): Promise<void> {
		if (this.#backstopSet) return;
		if ((await this.ctx.storage.getAlarm()) === null) await this.#setBackstop(Date.now());
		else this.#backstopSet = true;
	}

	async #setBackstop(now: number): Promise<void> {
		await this.ctx.storage.setAlarm(now + this.#settings.idleSweepSeconds * 1000);
		this.#backstopSet = true;
	}

	/** An empty room needs no reaper: without an alarm it stays asleep. */
	async #restIfEmpty(): Promise<void> {
		if (this.#state.hub.size !== 0) return;
		this.#backstopSet = false;
		await this.ctx.storage.deleteAlarm();
	}

	#logFailure(entryPoint: string, error: unknown): void {
		const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
		console.error(`room "${this.#roomName}": ${entryPoint} failed: ${detail}`);
	}
}
