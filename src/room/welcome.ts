/** `ConnectionEstablished`: what a new connection is told about the room before anything else. */
import {
	encodeServerFrame,
	HEARTBEAT,
	PROTOCOL_REVISION,
	PROTOCOL_VERSION,
	ServerEvents,
	utf8ByteLength,
} from "../protocol";
import type { RoomSettings } from "../settings";
import type { RatePolicy } from "./rate-limit";

/** `shard`: which of the room's objects accepted the connection, 0 for the room's first. */
export function welcomeFrame(
	connectionId: string,
	room: string,
	settings: RoomSettings,
	rate: RatePolicy,
	shard = 0,
): string {
	return encodeServerFrame(ServerEvents.ConnectionEstablished, {
		protocol: PROTOCOL_VERSION,
		version: PROTOCOL_REVISION,
		connectionId,
		room,
		heartbeat: HEARTBEAT,
		// A client paces itself by these, so that a flushed queue is not refused.
		limits: {
			eventsPerSecond: rate.rate,
			burst: rate.burst,
			maxMessageBytes: settings.maxMessageBytes,
			batchMs: settings.batchMs,
		},
		leaveGraceMs: settings.leaveGraceSeconds * 1000,
		shard,
	});
}

/** UTF-8 size over `max`; the exact count is taken only when the length leaves it open. */
export function frameTooLarge(frame: string, max: number): boolean {
	if (frame.length > max) return true;
	return frame.length * 3 > max && utf8ByteLength(frame) > max;
}
