/** `Unregister`: the connection leaves the room at once and stays open. */
import { encodeServerFrame, LeaveReasons, ServerEvents, type UnregisterData } from "../../protocol";
import type { RoomState } from "../room-state";
import type { Member } from "../shards/remote-connection";

export function unregister(room: RoomState, connection: Member, _data: UnregisterData, requestId?: string): void {
	room.hub.unregister(connection, LeaveReasons.unregister);
	room.hub.answer(connection, encodeServerFrame(ServerEvents.Unregistered, {}, requestId));
}
