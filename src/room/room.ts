/**
 * The Room Durable Object: the one owner of a room's state. Sockets are hibernatable, each
 * connection's identity lives in its attachment, the message counter in SQLite; what is in
 * memory is a cache rebuilt from those after every wake-up.
 */
import { DurableObject } from "cloudflare:workers";
import {
	CloseCodes,
	type ErrorCode,
	ErrorCodes,
	encodeError,
	encodeServerFrame,
	HEARTBEAT,
	type LeaveReason,
	LeaveReasons,
	type Message,
	PROTOCOL_VERSION,
	parseClientFrame,
	type RegisterData,
	type SendMessageData,
	ServerEvents,
	type User,
	utf8ByteLength,
} from "../protocol";
import { type Env, type RoomSettings, readSettings } from "../settings";
import { Connection } from "./connection";
import { isIdle, lastActivity, nextCheckAt } from "./liveness";
import { aggregateUser, Roster, userChanged } from "./roster";
import { RoomStore } from "./store";

export class Room extends DurableObject<Env> {
	// ---- config ----------------------------------------------------------------
	readonly #settings: RoomSettings;

	// ---- private fields ----------------------------------------------------------
	readonly #store: RoomStore;
	/** Cache of live connections and the roster, rebuilt lazily from attachments. */
	#connections: Map<WebSocket, Connection> | undefined;
	readonly #roster = new Roster<WebSocket>();

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#settings = readSettings(env);
		this.#store = new RoomStore(ctx.storage);
		// The runtime answers heartbeats itself: a ping never wakes the object.
		ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(HEARTBEAT.request, HEARTBEAT.response));
	}

	// ---- runtime entry points ----------------------------------------------------

	override async fetch(request: Request): Promise<Response> {
		try {
			if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
				return Response.json(
					{ error: { code: "UPGRADE_REQUIRED", message: "this endpoint takes WebSocket upgrades only" } },
					{ status: 426 },
				);
			}
			const room = this.#roomName;
			const pair = new WebSocketPair();
			const [client, server] = [pair[0], pair[1]];
			this.ctx.acceptWebSocket(server);
			const connection = Connection.open(server, Date.now());
			this.#live.set(server, connection);
			server.send(
				encodeServerFrame(ServerEvents.ConnectionEstablished, {
					protocol: PROTOCOL_VERSION,
					connectionId: connection.id,
					room,
					heartbeat: HEARTBEAT,
				}),
			);
			await this.#ensureAlarm();
			return new Response(null, { status: 101, webSocket: client });
		} catch (error) {
			this.#logFailure("fetch", error);
			return Response.json({ error: { code: "INTERNAL", message: "the room failed to accept the connection" } }, { status: 500 });
		}
	}

	override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
		let requestId: string | undefined;
		try {
			const connection = this.#live.get(ws);
			if (!connection) return; // already let go of: nothing it says counts
			connection.touch(Date.now());
			if (typeof data !== "string") return this.#reject(ws, ErrorCodes.BAD_FRAME, "binary frames are not accepted; send JSON text");
			const parsed = parseClientFrame(data);
			requestId = parsed.ok ? parsed.frame.requestId : parsed.requestId;
			// Parsed first only so that the error can echo the requestId; nothing of it is acted on.
			if (this.#tooLarge(data)) {
				return this.#reject(ws, ErrorCodes.MESSAGE_TOO_LARGE, `frame exceeds ${this.#settings.maxMessageBytes} bytes`, requestId);
			}
			if (!parsed.ok) return this.#reject(ws, parsed.code, parsed.message, requestId);
			const { frame } = parsed;
			switch (frame.event) {
				case "Register":
					return this.#register(connection, frame.requestData, requestId);
				case "SendMessage":
					return this.#sendMessage(connection, frame.requestData, requestId);
				case "Unregister":
					return this.#unregister(connection, requestId);
			}
		} catch (error) {
			this.#logFailure("webSocketMessage", error);
			this.#reject(ws, ErrorCodes.INTERNAL, "the room failed to handle this request", requestId);
		}
	}

	override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
		try {
			this.#release(ws, LeaveReasons.close);
			// Complete the closing handshake; the runtime may already have replied, so this is guarded.
			// 1005/1006 describe a missing code and must never be sent.
			const replyCode = code === 1005 || code === 1006 ? CloseCodes.normal : code;
			try {
				ws.close(replyCode, reason);
			} catch {
				// already closed: nothing to complete
			}
			if (this.#live.size === 0) await this.ctx.storage.deleteAlarm();
		} catch (error) {
			this.#logFailure("webSocketClose", error);
		}
	}

	override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
		try {
			this.#release(ws, LeaveReasons.close);
			if (this.#live.size === 0) await this.ctx.storage.deleteAlarm();
		} catch (failure) {
			this.#logFailure("webSocketError", failure ?? error);
		}
	}

	/** The idle reaper: closes connections silent for `timeoutMs`, including ghosts whose close was never reported. */
	override async alarm(): Promise<void> {
		try {
			const now = Date.now();
			for (const [ws, connection] of [...this.#live]) {
				if (!isIdle(this.#lastActiveAt(connection), now, HEARTBEAT.timeoutMs)) continue;
				this.#release(ws, LeaveReasons.timeout);
				try {
					ws.close(CloseCodes.idleTimeout, "idle timeout");
				} catch {
					// the socket is already gone; it has been released all the same
				}
			}
			await this.#scheduleCheck(now);
		} catch (error) {
			this.#logFailure("alarm", error);
		}
	}

	// ---- RPC methods ---------------------------------------------------------------

	/** The registered users now, earliest joiner first. */
	async listUsers(): Promise<User[]> {
		// Reading #live first rebuilds the roster after a wake-up.
		return this.#live.size === 0 ? [] : this.#roster.users();
	}

	// ---- helpers -------------------------------------------------------------------

	/** Live connections; on first use after a wake-up, rebuilt from the sockets' attachments. */
	get #live(): Map<WebSocket, Connection> {
		if (this.#connections) return this.#connections;
		const live = new Map<WebSocket, Connection>();
		for (const ws of this.ctx.getWebSockets()) {
			const connection = Connection.restore(ws);
			if (!connection || connection.closed) continue;
			live.set(ws, connection);
			if (connection.identity) this.#roster.add(ws, connection.identity);
		}
		this.#connections = live;
		return live;
	}

	#register(connection: Connection, data: RegisterData, requestId?: string): void {
		const ws = connection.socket;
		const userId = data.userId;
		if (userId === undefined) return this.#reject(ws, ErrorCodes.BAD_REQUEST, "userId is required", requestId);
		const current = connection.identity;
		if (current && current.userId !== userId) {
			return this.#reject(ws, ErrorCodes.ALREADY_REGISTERED, `this connection is registered as "${current.userId}"; Unregister first`, requestId);
		}
		const now = Date.now();
		const before = this.#roster.user(userId);
		const identity = {
			userId,
			name: data.name ?? userId,
			meta: data.meta ?? {},
			registeredAt: current?.registeredAt ?? now,
			updatedAt: now,
		};
		connection.setIdentity(identity);
		this.#roster.add(ws, identity);
		const user = this.#roster.user(userId) as User;
		ws.send(
			encodeServerFrame(
				ServerEvents.Registered,
				{ self: { ...user, connectionId: connection.id }, users: this.#roster.users() },
				requestId,
			),
		);
		if (!before) this.#broadcast(encodeServerFrame(ServerEvents.UserJoined, { user }), ws);
		else if (userChanged(before, user)) this.#broadcast(encodeServerFrame(ServerEvents.UserUpdated, { user }), ws);
	}

	#sendMessage(connection: Connection, data: SendMessageData, requestId?: string): void {
		const ws = connection.socket;
		const sender = connection.identity;
		if (!sender) return this.#reject(ws, ErrorCodes.NOT_REGISTERED, "Register before sending messages", requestId);
		if (data.to !== undefined && !this.#roster.has(data.to)) {
			return this.#reject(ws, ErrorCodes.USER_NOT_FOUND, `no user "${data.to}" in this room`, requestId);
		}
		const message: Message = {
			id: crypto.randomUUID(),
			seq: this.#store.takeSeq(),
			from: { userId: sender.userId, name: sender.name },
			message: data.message,
			sentAt: Date.now(),
		};
		if (data.to !== undefined) message.to = data.to;
		// The output gate holds these sends until the seq write is durable.
		ws.send(encodeServerFrame(ServerEvents.MessageAck, { id: message.id, seq: message.seq, sentAt: message.sentAt }, requestId));
		const frame = encodeServerFrame(ServerEvents.Message, message);
		if (data.to === undefined) this.#broadcast(frame, ws);
		else this.#sendTo(this.#roster.connectionsOf(data.to), frame, ws);
	}

	#unregister(connection: Connection, requestId?: string): void {
		this.#leave(connection, LeaveReasons.unregister);
		connection.socket.send(encodeServerFrame(ServerEvents.Unregistered, {}, requestId));
	}

	/** Takes a registered connection out of the roster and tells the others. Idempotent. */
	#leave(connection: Connection, reason: LeaveReason): void {
		const identity = connection.identity;
		if (!identity) return;
		this.#roster.remove(connection.socket, identity.userId);
		connection.setIdentity(undefined);
		const remaining = this.#roster.user(identity.userId);
		if (remaining) this.#broadcast(encodeServerFrame(ServerEvents.UserUpdated, { user: remaining }));
		else this.#broadcast(encodeServerFrame(ServerEvents.UserLeft, { user: aggregateUser([], identity), reason }));
	}

	/** Lets go of a socket for good: it leaves, and its attachment says so in case it lingers. */
	#release(ws: WebSocket, reason: LeaveReason): void {
		const connection = this.#live.get(ws);
		if (!connection) return;
		this.#live.delete(ws);
		this.#leave(connection, reason);
		connection.markClosed();
	}

	/** Sends one encoded frame to every registered connection but `except`. */
	#broadcast(frame: string, except?: WebSocket): void {
		const failed: WebSocket[] = [];
		for (const [ws, connection] of this.#live) {
			if (ws === except || !connection.identity) continue;
			if (!this.#trySend(ws, frame)) failed.push(ws);
		}
		for (const ws of failed) this.#release(ws, LeaveReasons.close);
	}

	#sendTo(sockets: Iterable<WebSocket>, frame: string, except?: WebSocket): void {
		const failed: WebSocket[] = [];
		for (const ws of [...sockets]) if (ws !== except && !this.#trySend(ws, frame)) failed.push(ws);
		for (const ws of failed) this.#release(ws, LeaveReasons.close);
	}

	#trySend(ws: WebSocket, frame: string): boolean {
		try {
			ws.send(frame);
			return true;
		} catch {
			return false; // the peer is gone; the caller releases it after the loop
		}
	}

	#reject(ws: WebSocket, code: ErrorCode, message: string, requestId?: string): void {
		this.#trySend(ws, encodeError(code, message, requestId));
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

	async #ensureAlarm(): Promise<void> {
		if ((await this.ctx.storage.getAlarm()) === null) await this.#scheduleCheck(Date.now());
	}

	/** Sets the reaper's next check, or none in an empty room so that it can rest. */
	async #scheduleCheck(now: number): Promise<void> {
		const times = [...this.#live.values()].map((connection) => this.#lastActiveAt(connection));
		const at = nextCheckAt(times, now, HEARTBEAT.timeoutMs);
		if (at === undefined) await this.ctx.storage.deleteAlarm();
		else await this.ctx.storage.setAlarm(at);
	}

	/** The room is addressed by name (`idFromName`), so its id carries the name. */
	get #roomName(): string {
		return this.ctx.id.name ?? this.ctx.id.toString();
	}

	#logFailure(entryPoint: string, error: unknown): void {
		const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
		console.error(`room "${this.#roomName}": ${entryPoint} failed: ${detail}`);
	}
}
