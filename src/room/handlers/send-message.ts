/** `SendMessage`: a message stored, acknowledged and delivered; a resend answered as a duplicate. */
import { ErrorCodes, encodeServerFrame, ProtocolError, type SendMessageData, ServerEvents } from "../../protocol";
import { deliver } from "../deliver";
import type { RoomState } from "../room-state";
import type { Member } from "../shards/remote-connection";

export function sendMessage(room: RoomState, connection: Member, data: SendMessageData, requestId?: string): void {
	const sender = connection.identity;
	if (!sender) throw new ProtocolError(ErrorCodes.NOT_REGISTERED, "Register before sending messages");
	// A resend is recognised before anything else is checked: its recipient may have left since.
	if (data.clientMessageId !== undefined) {
		// (1.5) An MQTT PUBLISH sent for the first time (no DUP) reuses an identifier: a new message.
		if ((data as { fresh?: boolean }).fresh) room.store.forgetSent(sender.userId, data.clientMessageId);
		const original = room.store.findSent(sender.userId, data.clientMessageId);
		if (original) {
			room.hub.answer(
				connection,
				encodeServerFrame(ServerEvents.MessageAck, { ...original, duplicate: true }, requestId),
			);
			return;
		}
	}
	const from = { userId: sender.userId, name: sender.name };
	const { fresh: _fresh, ...request } = data as SendMessageData & { fresh?: boolean };
	deliver(room, { from, ...request }, "message", connection, (message) => {
		const ack = { id: message.id, seq: message.seq, sentAt: message.sentAt };
		room.hub.answer(connection, encodeServerFrame(ServerEvents.MessageAck, ack, requestId));
	});
}
