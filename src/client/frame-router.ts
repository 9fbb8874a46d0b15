/**
 * Where each event from the room goes: the part of a RoomClient it answers or feeds, or the page's
 * events. One that is not the protocol at all (a proxy's error page, an unknown event) is an
 * `error` event and reaches no part. A batched frame's events (1.2) come here one by one, each as
 * a frame of its own would.
 */
import { ServerEvents } from "../protocol/constants";
import type { ConnectionEstablishedData, ServerFrame } from "../protocol/types";
import type { MessageDelivery } from "./delivery";
import type { Emitter } from "./emitter";
import { ClientErrorCodes, RoomError } from "./errors";
import type { Outgoing } from "./outgoing";
import { isPresenceFrame, type RoomPresence } from "./presence";
import type { Registration } from "./registration";
import type { RoomClientEvents } from "./types";

/** The parts of a RoomClient that frames go to. */
export interface FrameTargets {
	events: Emitter<RoomClientEvents>;
	presence: RoomPresence;
	registration: Registration;
	outgoing: Outgoing;
	delivery: MessageDelivery;
	/** `ConnectionEstablished`: the connection's id, heartbeat and limits. */
	established: (data: ConnectionEstablishedData) => void;
}

/** Hands one server event (`decodeServerFrames`) to the part it is for. */
export function routeServerFrame(frame: ServerFrame | undefined, targets: FrameTargets): void {
	const { events, presence, registration, outgoing, delivery } = targets;
	if (!frame) {
		events.emit("error", new RoomError(ClientErrorCodes.BAD_SERVER_FRAME, "a frame that is not the protocol"));
		return;
	}
	if (isPresenceFrame(frame)) {
		events.emit("presence", presence.apply(frame));
		return;
	}
	switch (frame.event) {
		case ServerEvents.ConnectionEstablished:
			targets.established(frame.data);
			return;
		case ServerEvents.Registered:
			registration.onRegistered(frame.requestId, frame.data);
			return;
		case ServerEvents.Unregistered:
			registration.onUnregistered(frame.requestId);
			return;
		case ServerEvents.Updated:
			outgoing.updates.answered(frame.requestId, frame.data.self);
			return;
		case ServerEvents.Message:
			delivery.live(frame.data);
			return;
		case ServerEvents.MessageAck:
			outgoing.acked(frame.requestId, frame.data);
			return;
		case ServerEvents.Signal:
			events.emit("signal", frame.data);
			return;
		case ServerEvents.Error: {
			const error = new RoomError(frame.data.code, frame.data.message, frame.requestId);
			if (!registration.onError(error) && !outgoing.refused(error)) events.emit("error", error);
			return;
		}
	}
}
