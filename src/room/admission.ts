/**
 * Whether a room takes one more connection, and taking it: decided by the one owner of the room's
 * connections, synchronously from the checks to the accept, so that upgrades arriving at once
 * cannot all slip past a limit. The Worker passes a refusal back to the client unchanged.
 */
import { clock } from "../clock";
import { httpErrorResponse } from "../protocol";
import type { RoomSettings } from "../settings";
import { Connection } from "./connection";
import { isWebSocketUpgrade, type VerifiedIdentity } from "./handoff";
import type { Hub } from "./hub";
import type { RoomState } from "./room-state";

/**
 * The refusal of an upgrade, or undefined to accept it: `ROOM_FULL` past `MAX_CONNECTIONS` (the
 * room's `roomConnections`, on all its objects), and,
 * for a verified user (development mode has no identity at upgrade time: Register checks there),
 * `TOO_MANY_CONNECTIONS` when the token's user already holds `MAX_CONNECTIONS_PER_USER`.
 */
export function upgradeRefusal(
	hub: Hub,
	settings: RoomSettings,
	verified: VerifiedIdentity | undefined,
	request: Request,
	roomConnections = hub.size,
): Response | undefined {
	if (roomConnections >= settings.maxConnections) {
		return httpErrorResponse("ROOM_FULL", `this room holds at most ${settings.maxConnections} connections`);
	}
	if (verified && hub.verifiedConnections(verified.userId) >= settings.maxConnectionsPerUser) {
		return httpErrorResponse(
			"TOO_MANY_CONNECTIONS",
			`"${verified.userId}" already holds ${settings.maxConnectionsPerUser} connections in this room (the most one user may)`,
		);
	}
	// Asked without an upgrade (the client library asking why it is refused): nothing refuses it now.
	if (!isWebSocketUpgrade(request)) {
		return httpErrorResponse("UPGRADE_REQUIRED", "this endpoint takes WebSocket upgrades only");
	}
	return undefined;
}

/** Accepts an upgrade nothing refused: the socket, its connection (on a shard, with its `epoch`) and the welcome. */
export function acceptUpgrade(
	ctx: DurableObjectState,
	room: RoomState,
	verified: VerifiedIdentity | undefined,
	welcome: (connectionId: string) => string,
	epoch?: string,
): Response {
	// A room with a connection is a room in use: it gets its tables (reads alone create none).
	// A shard (it has an `epoch`) keeps nothing: its connections live in their attachments.
	if (epoch === undefined) room.store.prepare();
	const pair = new WebSocketPair();
	const [client, server] = [pair[0], pair[1]];
	ctx.acceptWebSocket(server);
	const connection = Connection.open(server, clock.now(), verified, epoch);
	room.hub.add(connection);
	server.send(welcome(connection.id));
	return new Response(null, { status: 101, webSocket: client });
}
