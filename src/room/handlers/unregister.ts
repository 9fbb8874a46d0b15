/** `Unregister`: the connection leaves the room at once and stays open. */
import { encodeServerFrame, LeaveReasons, ServerEvents, type UnregisterData } from "../../protocol";
import type { Connection } from "../connection";
import type { RoomState } from "../room-state";

export function unregister(room: RoomState, connection: Connection, _data: UnregisterData, requestId?: string): void {
	room.hub.unregister(connection, LeaveReasons.unregister);
	room.hub.reply(connection.socket, encodeServerFrame(ServerEvents.Unregistered, {}, requestId));
}
