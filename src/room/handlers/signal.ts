/**
 * `Signal`: an ephemeral event (typing, a cursor, a reaction) relayed to the room's registered
 * connections (or one user's) and never stored: no seq, no history, no resume, no reply.
 */
import { clock } from "../../clock";
import {
	ErrorCodes,
	encodeServerFrame,
	type MessageSender,
	ProtocolError,
	ServerEvents,
	type SignalData,
	type SignalRequestData,
} from "../../protocol";
import type { DeliveryClass } from "../delivery-budget";
import type { RoomState } from "../room-state";
import type { Member } from "../shards/remote-connection";
import { spendDeliveries } from "../spend";

export function signal(room: RoomState, connection: Member, data: SignalRequestData): void {
	const sender = connection.identity;
	if (!sender) throw new ProtocolError(ErrorCodes.NOT_REGISTERED, "Register before sending signals");
	relaySignal(room, { userId: sender.userId, name: sender.name }, data.signal, data.to, "optional", connection);
}

/**
 * Encodes one signal once and sends it to every registered connection but `except` (the sending
 * one), or to the `to` user's, drawn on the room's budget as `kind`. A user who is present only through a closed connection in its
 * leave grace is present: the signal reaches none of their sockets, and is gone.
 */
export function relaySignal(
	room: RoomState,
	from: MessageSender,
	value: unknown,
	to: string | undefined,
	kind: DeliveryClass,
	except?: Member,
): void {
	if (to !== undefined && !room.hub.user(to)) {
		throw new ProtocolError(ErrorCodes.USER_NOT_FOUND, `no user "${to}" in this room`);
	}
	spendDeliveries(room, to === undefined ? room.hub.broadcastCost(except) : room.hub.userCost(to, except), kind);
	const data: SignalData = { from, signal: value, sentAt: clock.now() };
	if (to !== undefined) data.to = to;
	const frame = encodeServerFrame(ServerEvents.Signal, data);
	if (to === undefined) room.hub.broadcast(frame, except);
	else room.hub.sendToUser(to, frame, except);
	room.shards?.signal(frame, to, except);
}
