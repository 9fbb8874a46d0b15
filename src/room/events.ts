/**
 * The client events, one function each. A handler checks everything before it changes
 * anything, and refuses by throwing a `ProtocolError`, which the room sends back as `Error`.
 */
import {
	type ErrorCode,
	ErrorCodes,
	encodeServerFrame,
	LeaveReasons,
	Limits,
	type RegisterData,
	type SendMessageData,
	ServerEvents,
} from "../protocol";
import type { Connection } from "./connection";
import { type Hub, trySend } from "./hub";
import type { MessageDraft, RoomStore } from "./store";

/** What the handlers work on: the live room and its durable store. */
export interface RoomState {
	hub: Hub;
	store: RoomStore;
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
	const userId = data.userId;
	if (userId === undefined) throw new ProtocolError(ErrorCodes.BAD_REQUEST, "userId is required");
	const current = connection.identity;
	if (current && current.userId !== userId) {
		throw new ProtocolError(
			ErrorCodes.ALREADY_REGISTERED,
			`this connection is registered as "${current.userId}"; Unregister first`,
		);
	}
	const now = Date.now();
	const { user, before } = room.hub.register(connection, {
		userId,
		name: data.name ?? userId,
		meta: data.meta ?? {},
		registeredAt: current?.registeredAt ?? now,
		updatedAt: now,
	});
	const self = { ...user, connectionId: connection.id };
	// Synchronous from here to the send: no message can fall between the history and the live stream.
	const resuming = data.since !== undefined;
	const history = room.store.history({
		since: data.since ?? 0,
		limit: resuming ? Limits.resumeHistoryMax : Limits.joinHistory,
		viewer: userId,
		keep: "newest",
	});
	const registered = {
		self,
		users: room.hub.users(),
		lastSeq: room.store.lastSeq,
		history: history.messages,
		historyTruncated: history.truncated,
	};
	trySend(connection.socket, encodeServerFrame(ServerEvents.Registered, registered, requestId));
	room.hub.announce(connection, user, before);
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
	if (data.to !== undefined && !room.hub.user(data.to)) {
		throw new ProtocolError(ErrorCodes.USER_NOT_FOUND, `no user "${data.to}" in this room`);
	}
	const draft: MessageDraft = {
		id: crypto.randomUUID(),
		from: { userId: sender.userId, name: sender.name },
		message: data.message,
		sentAt: Date.now(),
	};
	if (data.to !== undefined) draft.to = data.to;
	// Stored before anyone hears of it; a failed write throws and nothing goes out.
	const message = room.store.append(draft, data.clientMessageId);
	// Both frames are encoded before either is sent: no ack for a message that could not go out.
	const frame = encodeServerFrame(ServerEvents.Message, message);
	const ack = encodeServerFrame(
		ServerEvents.MessageAck,
		{ id: message.id, seq: message.seq, sentAt: message.sentAt },
		requestId,
	);
	// The output gate holds these sends until the write is durable.
	trySend(connection.socket, ack);
	if (data.to === undefined) room.hub.broadcast(frame, connection.socket);
	else room.hub.sendToUser(data.to, frame, connection.socket);
}

export function unregister(room: RoomState, connection: Connection, requestId?: string): void {
	room.hub.leave(connection, LeaveReasons.unregister);
	trySend(connection.socket, encodeServerFrame(ServerEvents.Unregistered, {}, requestId));
}
