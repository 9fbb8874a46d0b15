/**
 * The client events, one function each. A handler checks everything before it changes
 * anything, and refuses by throwing a `ProtocolError`, which the room sends back as `Error`.
 */
import {
	type ClientEventData,
	type ClientEventName,
	ClientEvents,
	type ClientFrame,
	type ErrorCode,
	ErrorCodes,
	encodeServerFrame,
	LeaveReasons,
	Limits,
	type Message,
	type MessageAckData,
	type MessageSender,
	type RegisterData,
	type SendMessageData,
	ServerEvents,
} from "../protocol";
import type { RoomSettings } from "../settings";
import type { Connection } from "./connection";
import { type Hub, trySend } from "./hub";
import type { MessageDraft, RoomStore } from "./store";

/** What the handlers work on: the live room, its durable store and its limits. */
export interface RoomState {
	hub: Hub;
	store: RoomStore;
	settings: RoomSettings;
}

/** A refusal the client caused: thrown by a handler before it changes anything, sent back as `Error`. */
export class ProtocolError extends Error {
	constructor(
		readonly code: ErrorCode,
		message: string,
	) {
		super(message);
		this.name = "ProtocolError";
	}
}

export function register(room: RoomState, connection: Connection, data: RegisterData, requestId?: string): void {
	const { userId, name } = claimedIdentity(connection, data);
	const current = connection.identity;
	if (current && current.userId !== userId) {
		throw new ProtocolError(
			ErrorCodes.ALREADY_REGISTERED,
			`this connection is registered as "${current.userId}"; Unregister first`,
		);
	}
	// A re-registration is already among the user's connections: it takes no new place.
	const elsewhere = (room.hub.user(userId)?.connections ?? 0) - (current ? 1 : 0);
	if (elsewhere >= room.settings.maxConnectionsPerUser) {
		throw new ProtocolError(
			ErrorCodes.TOO_MANY_CONNECTIONS,
			`"${userId}" already holds ${elsewhere} connections in this room (the most one user may)`,
		);
	}
	// The reply is built and encoded before anything changes, so that no failure (a history that
	// cannot be read or encoded) leaves a half-registered connection. Synchronous from the read to
	// the send: no message can fall between the history and the live stream.
	const history = registrationHistory(room, userId, data.since);
	const now = Date.now();
	const change = room.hub.previewRegister(connection, {
		userId,
		name,
		meta: data.meta ?? {},
		registeredAt: current?.registeredAt ?? now,
		updatedAt: now,
	});
	const registered = encodeServerFrame(
		ServerEvents.Registered,
		{
			self: { ...change.user, connectionId: connection.id },
			users: change.users,
			lastSeq: room.store.lastSeq,
			history: history.messages,
			historyTruncated: history.truncated,
		},
		requestId,
	);
	room.hub.register(connection, change);
	trySend(connection.socket, registered);
	room.hub.announce(connection, change.user, change.before);
}

export function sendMessage(room: RoomState, connection: Connection, data: SendMessageData, requestId?: string): void {
	const sender = connection.identity;
	if (!sender) throw new ProtocolError(ErrorCodes.NOT_REGISTERED, "Register before sending messages");
	// A resend is recognised before anything else is checked: its recipient may have left since.
	if (data.clientMessageId !== undefined) {
		const original = room.store.findSent(sender.userId, data.clientMessageId);
		if (original) {
			trySend(
				connection.socket,
				encodeServerFrame(ServerEvents.MessageAck, { ...original, duplicate: true }, requestId),
			);
			return;
		}
	}
	const from = { userId: sender.userId, name: sender.name };
	deliver(room, { from, ...data }, connection, (message) => {
		const ack = { id: message.id, seq: message.seq, sentAt: message.sentAt };
		trySend(connection.socket, encodeServerFrame(ServerEvents.MessageAck, ack, requestId));
	});
}

export type PublishResult = { ok: true; ack: MessageAckData } | { ok: false; code: ErrorCode; message: string };

/** A server publish: stored and delivered to every registered connection (or the `to` user's). */
export function publishMessage(room: RoomState, message: unknown, from: MessageSender, to?: string): PublishResult {
	const stored = deliver(room, to === undefined ? { from, message } : { from, message, to });
	return { ok: true, ack: { id: stored.id, seq: stored.seq, sentAt: stored.sentAt } };
}

/**
 * Numbers, stores and delivers one message: to every registered connection but the sender's,
 * or to the `to` user's. Stored before anyone hears of it: a failed write throws and nothing
 * goes out; the output gate holds the sends until the write is durable. `stored` runs between
 * the write and the fan-out, so a sender's ack does not wait behind a thousand sends.
 */
function deliver(
	room: RoomState,
	request: { from: MessageSender; message: unknown; to?: string; clientMessageId?: string },
	sender?: Connection,
	stored?: (message: Message) => void,
): Message {
	const { from, to, clientMessageId } = request;
	if (to !== undefined && !room.hub.user(to)) {
		throw new ProtocolError(ErrorCodes.USER_NOT_FOUND, `no user "${to}" in this room`);
	}
	const draft: MessageDraft = { id: crypto.randomUUID(), from, message: request.message, sentAt: Date.now() };
	if (to !== undefined) draft.to = to;
	const message = room.store.append(draft, clientMessageId);
	const frame = encodeServerFrame(ServerEvents.Message, message);
	stored?.(message);
	if (to === undefined) room.hub.broadcast(frame, sender?.socket);
	else room.hub.sendToUser(to, frame, sender?.socket);
	return message;
}

/**
 * The history a Register gets: after `since` (the latest 100 of them), or the latest 50 without
 * it. A `since` beyond the room's last seq cannot come from this room's past (its storage was
 * reset, or the client mixed up rooms): it is answered as a fresh join, and `lastSeq` below the
 * client's `since` tells it to start over.
 */
function registrationHistory(room: RoomState, viewer: string, since: number | undefined) {
	const resuming = since !== undefined && since <= room.store.lastSeq;
	return room.store.history({
		since: resuming ? since : 0,
		limit: resuming ? Limits.resumeHistoryMax : Limits.joinHistory,
		viewer,
		keep: "newest",
	});
}

/**
 * Who a Register makes this connection. With a verified token the identity is the token's:
 * `userId` may be omitted or repeat it, and a name the token carries cannot be replaced.
 */
function claimedIdentity(connection: Connection, data: RegisterData): { userId: string; name: string } {
	const verified = connection.verified;
	if (!verified) {
		if (data.userId === undefined) throw new ProtocolError(ErrorCodes.BAD_REQUEST, "userId is required");
		return { userId: data.userId, name: data.name ?? data.userId };
	}
	if (data.userId !== undefined && data.userId !== verified.userId) {
		throw new ProtocolError(ErrorCodes.UNAUTHORIZED, `this connection's token is for "${verified.userId}"`);
	}
	if (verified.name !== undefined && data.name !== undefined && data.name !== verified.name) {
		throw new ProtocolError(ErrorCodes.UNAUTHORIZED, `this connection's token sets the name "${verified.name}"`);
	}
	return { userId: verified.userId, name: verified.name ?? data.name ?? verified.userId };
}

export function unregister(room: RoomState, connection: Connection, requestId?: string): void {
	room.hub.leave(connection, LeaveReasons.unregister);
	trySend(connection.socket, encodeServerFrame(ServerEvents.Unregistered, {}, requestId));
}

/** One client event's handler: checks, then changes the room and replies, or throws a `ProtocolError`. */
export type ClientEventHandler<E extends ClientEventName> = (
	room: RoomState,
	connection: Connection,
	data: ClientEventData[E],
	requestId?: string,
) => void;

/** Every client event's handler, by name: an event without one is a type error. */
export const clientEventHandlers: { [E in ClientEventName]: ClientEventHandler<E> } = {
	[ClientEvents.Register]: register,
	[ClientEvents.SendMessage]: sendMessage,
	[ClientEvents.Unregister]: (room, connection, _data, requestId) => unregister(room, connection, requestId),
};

/** Runs a checked frame's handler. */
export function handleClientFrame<E extends ClientEventName>(
	room: RoomState,
	connection: Connection,
	frame: ClientFrame<E>,
): void {
	const handler: ClientEventHandler<E> = clientEventHandlers[frame.event];
	handler(room, connection, frame.requestData, frame.requestId);
}
