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
 * The most connections one object takes: the contract's ceiling for a room kept in one object. A
 * `MAX_CONNECTIONS` above it needs the room to spread over shards; until a room can, it is full here
 * (a clear `ROOM_FULL`, not a runtime failure past what one object can hold).
 */
export const ONE_OBJECT_CONNECTIONS = 32_000;

/** How many connections this room admits. */
export function roomCapacity(settings: Pick<RoomSettings, "maxConnections">): number {
	return Math.min(settings.maxConnections, ONE_OBJECT_CONNECTIONS);
}

/**
 * The refusal of an upgrade, or undefined to accept it: `ROOM_FULL` past its capacity, and,
 * for a verified user (development mode has no identity at upgrade time: Register checks there),
 * `TOO_MANY_CONNECTIONS` when the token's user already holds `MAX_CONNECTIONS_PER_USER`.
 */
export function upgradeRefusal(
	hub: Hub,
	settings: RoomSettings,
	verified: VerifiedIdentity | undefined,
	request: Request,
): Response | undefined {
	const capacity = roomCapacity(settings);
	if (hub.size >= capacity) {
		return httpErrorResponse("ROOM_FULL", `this room holds at most ${capacity} connections`);
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

/** Accepts an upgrade nothing refused: the socket, its connection and the welcome (`welcome(connectionId)`). */
export function acceptUpgrade(
	ctx: DurableObjectState,
	room: RoomState,
	verified: VerifiedIdentity | undefined,
	welcome: (connectionId: string) => string,
): Response {
	// A room with a connection is a room in use: it gets its tables (reads alone create none).
	room.store.prepare();
	const pair = new WebSocketPair();
	const [client, server] = [pair[0], pair[1]];
	ctx.acceptWebSocket(server);
	const connection = Connection.open(server, clock.now(), verified);
	room.hub.add(connection);
	server.send(welcome(connection.id));
	return new Response(null, { status: 101, webSocket: client });
}
