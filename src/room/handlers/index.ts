/**
 * Every client event's handler, by the event's name. A handler checks everything before it
 * changes anything, and refuses by throwing a `ProtocolError`, which the room sends back as
 * `Error`. The record's type requires one handler per event in the protocol's table.
 */
import { type ClientEventData, type ClientEventName, ClientEvents, type ClientFrame } from "../../protocol";
import { isSessionSave, type SessionSave, saveSession } from "../mqtt/session-frames";
import type { RoomState } from "../room-state";
import type { Member } from "../shards/remote-connection";
import { register } from "./register";
import { sendMessage } from "./send-message";
import { signal } from "./signal";
import { unregister } from "./unregister";
import { updateUser } from "./update-user";

/** One client event's handler: checks, then changes the room and replies, or throws a `ProtocolError`. */
export type ClientEventHandler<E extends ClientEventName> = (
	room: RoomState,
	connection: Member,
	data: ClientEventData[E],
	requestId?: string,
) => void;

/** Every client event's handler, by name: an event without one is a type error. */
export const clientEventHandlers: { [E in ClientEventName]: ClientEventHandler<E> } = {
	[ClientEvents.Register]: register,
	[ClientEvents.SendMessage]: sendMessage,
	[ClientEvents.Unregister]: unregister,
	[ClientEvents.UpdateUser]: updateUser,
	[ClientEvents.Signal]: signal,
};

/** Runs a checked frame's handler. */
export function handleClientFrame<E extends ClientEventName>(
	room: RoomState,
	connection: Member,
	frame: ClientFrame<E>,
): void {
	// (1.5) An MQTT session's save: internal, made by the MQTT ingress only.
	if (isSessionSave(frame as ClientFrame)) {
		saveSession(room, connection, frame.requestData as unknown as SessionSave);
		return;
	}
	const handler: ClientEventHandler<E> = clientEventHandlers[frame.event];
	handler(room, connection, frame.requestData, frame.requestId);
}
