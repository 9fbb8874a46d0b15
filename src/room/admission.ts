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
import type { MqttRecord } from "./mqtt/record";
import type { RoomState } from "./room-state";

/** (1.5) An upgrade to an MQTT session: `passwordToken` when the room needs tokens (AUTH_SECRET). */
export interface MqttUpgrade {
	passwordToken: boolean;
}

/**
 * The most connections one object takes: the contract's ceiling for a room kept in one object. A
 * `MAX_CONNECTIONS` above it needs the room to spread over shards; a room that cannot (with
 * `SHARD_CONNECTIONS` 0) is full here (a clear `ROOM_FULL`, not a runtime failure past what one
 * object can hold).
 */
export const ONE_OBJECT_CONNECTIONS = 32_000;

/** How many connections a room in one object admits. */
export function roomCapacity(settings: Pick<RoomSettings, "maxConnections">): number {
	return Math.min(settings.maxConnections, ONE_OBJECT_CONNECTIONS);
}

/**
 * The refusal of an upgrade, or undefined to accept it: `ROOM_FULL` past its capacity (with
 * `roomConnections`, those of a room spread over objects, (1.3): past `MAX_CONNECTIONS`), and,
 * for a verified user (development mode has no identity at upgrade time: Register checks there),
 * `TOO_MANY_CONNECTIONS` when the token's user already holds `MAX_CONNECTIONS_PER_USER`.
 */
export function upgradeRefusal(
	hub: Hub,
	settings: RoomSettings,
	verified: VerifiedIdentity | undefined,
	request: Request,
	roomConnections?: number,
	/** (1.3) A verified user's connections on the room's other objects. */
	elsewhere: (userId: string) => number = () => 0,
): Response | undefined {
	const capacity = roomConnections === undefined ? roomCapacity(settings) : settings.maxConnections;
	if ((roomConnections ?? hub.size) >= capacity) {
		return httpErrorResponse("ROOM_FULL", `this room holds at most ${capacity} connections`);
	}
	const held = verified ? hub.verifiedConnections(verified.userId) + elsewhere(verified.userId) : 0;
	if (verified && held >= settings.maxConnectionsPerUser) {
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

/**
 * Accepts an upgrade nothing refused: the socket, its connection (on a shard, with its `epoch`) and
 * the welcome; (1.5) an MQTT session (`welcome` undefined) gets none: it speaks first, a CONNECT.
 */
export function acceptUpgrade(
	ctx: DurableObjectState,
	room: RoomState,
	verified: VerifiedIdentity | undefined,
	welcome: ((connectionId: string) => string) | MqttUpgrade,
	epoch?: string,
	connectionId?: string,
): Response {
	// A room with a connection is a room in use: it gets its tables (reads alone create none).
	// A shard (it has an `epoch`) keeps nothing: its connections live in their attachments.
	if (epoch === undefined) room.store.prepare();
	const pair = new WebSocketPair();
	const [client, server] = [pair[0], pair[1]];
	ctx.acceptWebSocket(server);
	if (typeof welcome !== "function") {
		// With AUTH_SECRET, an upgrade that carried no token brings it as the CONNECT password.
		const mqtt: MqttRecord = welcome.passwordToken && !verified ? { st: "new", auth: true } : { st: "new" };
		room.hub.add(Connection.open(server, clock.now(), verified, epoch, connectionId, mqtt));
		return new Response(null, { status: 101, webSocket: client, headers: { "Sec-WebSocket-Protocol": "mqtt" } });
	}
	const connection = Connection.open(server, clock.now(), verified, epoch, connectionId);
	room.hub.add(connection);
	server.send(welcome(connection.id));
	return new Response(null, { status: 101, webSocket: client });
}
