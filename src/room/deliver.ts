/** Stored messages: numbered, written, then delivered; from a client or from a server publish. */
import { clock } from "../clock";
import {
	type ErrorCode,
	ErrorCodes,
	encodeServerFrame,
	type JsonValue,
	type Message,
	type MessageAckData,
	type MessageSender,
	ProtocolError,
	ServerEvents,
	utf8ByteLength,
} from "../protocol";
import type { DeliveryClass } from "./delivery-budget";
import type { RoomState } from "./room-state";
import type { Member } from "./shards/remote-connection";
import { spendDeliveries } from "./spend";
import type { MessageDraft } from "./store";

/** What a server route's RPC answers: done, or the room's refusal (mapped to HTTP by the Worker). */
export type ServerPostResult = { ok: true } | { ok: false; code: ErrorCode; message: string };

export type PublishResult = { ok: true; ack: MessageAckData } | { ok: false; code: ErrorCode; message: string };

/** A backend's value within MAX_MESSAGE_BYTES, however it came (HTTP checks its body, RPC does not). */
export function checkValueSize(room: RoomState, valueJson: string): void {
	const max = room.settings.maxMessageBytes;
	if (utf8ByteLength(valueJson) > max) {
		throw new ProtocolError(ErrorCodes.MESSAGE_TOO_LARGE, `the value exceeds ${max} bytes`);
	}
}

/** A server publish: stored and delivered to every registered connection (or the `to` user's). */
export function publishMessage(room: RoomState, message: unknown, from: MessageSender, to?: string): PublishResult {
	const stored = deliver(room, to === undefined ? { from, message } : { from, message, to }, "forced");
	return { ok: true, ack: { id: stored.id, seq: stored.seq, sentAt: stored.sentAt } };
}

/**
 * Numbers, stores and delivers one message: to every registered connection but the sender's,
 * or to the `to` user's, drawn on the room's budget as `kind`. Stored before anyone hears of it:
 * a failed write throws and nothing goes out; the output gate holds the sends until the write is
 * durable. `stored` runs between the write and the fan-out, so a sender's ack does not wait
 * behind a thousand sends.
 */
export function deliver(
	room: RoomState,
	request: { from: MessageSender; message: unknown; to?: string; clientMessageId?: string },
	kind: DeliveryClass,
	sender?: Member,
	stored?: (message: Message) => void,
): Message {
	const { from, to, clientMessageId } = request;
	if (to !== undefined && !room.hub.user(to)) {
		throw new ProtocolError(ErrorCodes.USER_NOT_FOUND, `no user "${to}" in this room`);
	}
	// The room's own logic sees the message before it costs or changes anything, and may replace it.
	const incoming = { from, message: request.message as JsonValue, source: sender ? "client" : "server" } as const;
	const value = room.screen(to === undefined ? incoming : { ...incoming, to });
	// (1.5) An MQTT session hears its own messages, as MQTT does: it is no exception.
	const except = sender?.socket && sender.mqtt ? undefined : sender;
	spendDeliveries(room, to === undefined ? room.hub.broadcastCost(except) : room.hub.userCost(to, except), kind);
	const draft: MessageDraft = { id: crypto.randomUUID(), from, message: value, sentAt: clock.now() };
	if (to !== undefined) draft.to = to;
	const message = room.store.append(draft, clientMessageId, sender?.id);
	const frame = encodeServerFrame(ServerEvents.Message, message);
	stored?.(message);
	if (to === undefined) room.hub.broadcast(frame, except);
	else room.hub.sendToUser(to, frame, except);
	return message;
}
