/**
 * Whether a room takes one more connection: decided by the one owner of the room's connections,
 * synchronously and before anything is accepted, so that upgrades arriving at once cannot all
 * slip past a limit. The Worker passes a refusal back to the client unchanged.
 */
import { httpErrorResponse } from "../protocol";
import type { RoomSettings } from "../settings";
import type { VerifiedIdentity } from "./handoff";
import type { Hub } from "./hub";

/**
 * The refusal of an upgrade, or undefined to accept it: `ROOM_FULL` past `MAX_CONNECTIONS`, and,
 * for a verified user (development mode has no identity at upgrade time: Register checks there),
 * `TOO_MANY_CONNECTIONS` when the token's user already holds `MAX_CONNECTIONS_PER_USER`.
 */
export function upgradeRefusal(
	hub: Hub,
	settings: RoomSettings,
	verified: VerifiedIdentity | undefined,
): Response | undefined {
	if (hub.size >= settings.maxConnections) {
		return httpErrorResponse("ROOM_FULL", `this room holds at most ${settings.maxConnections} connections`);
	}
	if (verified && hub.verifiedConnections(verified.userId) >= settings.maxConnectionsPerUser) {
		return httpErrorResponse(
			"TOO_MANY_CONNECTIONS",
			`"${verified.userId}" already holds ${settings.maxConnectionsPerUser} connections in this room (the most one user may)`,
		);
	}
	return undefined;
}
