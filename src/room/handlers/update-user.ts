/**
 * `UpdateUser`: a registered user changes name and/or meta without a roster or history coming
 * back: the cheap way to change presence often. The others hear of it only when it changed.
 */
import { ErrorCodes, encodeServerFrame, ProtocolError, ServerEvents, type UpdateUserData } from "../../protocol";
import type { RoomState } from "../room-state";
import type { Member } from "../shards/remote-connection";
import { spendDeliveries } from "../spend";

export function updateUser(room: RoomState, connection: Member, data: UpdateUserData, requestId?: string): void {
	const identity = connection.identity;
	if (!identity) throw new ProtocolError(ErrorCodes.NOT_REGISTERED, "Register before UpdateUser");
	const bound = connection.verified?.name;
	if (bound !== undefined && data.name !== undefined && data.name !== bound) {
		throw new ProtocolError(ErrorCodes.UNAUTHORIZED, `this connection's token sets the name "${bound}"`);
	}
	const fields = {
		...(data.name === undefined ? {} : { name: data.name }),
		...(data.meta === undefined ? {} : { meta: data.meta }),
	};
	const current = room.hub.user(identity.userId);
	if (!current) throw new Error(`"${identity.userId}" is registered on a connection but not in the roster`);
	spendDeliveries(room, room.hub.presenceCost(connection), "optional");
	// Every connection of the user takes the fields, so the user becomes exactly this: encoded first.
	const reply = encodeServerFrame(
		ServerEvents.Updated,
		{ self: { ...current, ...fields, connectionId: connection.id } },
		requestId,
	);
	room.hub.updateUser(identity.userId, fields, connection);
	room.hub.answer(connection, reply);
}
