/**
 * `Register`: makes a connection a user of the room (or updates it), replies with the roster and
 * the history it missed, and tells the others.
 */
import { clock } from "../../clock";
import { ErrorCodes, encodeRegistered, Limits, PresenceModes, ProtocolError, type RegisterData } from "../../protocol";
import { roomCapacity } from "../admission";
import { checkNotBanned } from "../bans";
import { mqttConnectOf, openSession, withMqttPart } from "../mqtt/session-frames";
import type { RoomState } from "../room-state";
import type { Member } from "../shards/remote-connection";
import { spendDeliveries } from "../spend";

export function register(room: RoomState, connection: Member, data: RegisterData, requestId?: string): void {
	const { userId, name } = claimedIdentity(connection, data);
	checkNotBanned(room.bans, userId, clock.now());
	const current = connection.identity;
	if (current && current.userId !== userId) {
		throw new ProtocolError(
			ErrorCodes.ALREADY_REGISTERED,
			`this connection is registered as "${current.userId}"; Unregister first`,
		);
	}
	// A re-registration is already among the user's connections, and a connection that takes the
	// place of one in its leave grace adds none: neither takes a new place.
	const taking = current || room.hub.hasPlaceFor(userId) ? 1 : 0;
	const elsewhere = (room.hub.user(userId)?.connections ?? 0) - taking;
	if (elsewhere >= room.settings.maxConnectionsPerUser) {
		throw new ProtocolError(
			ErrorCodes.TOO_MANY_CONNECTIONS,
			`"${userId}" already holds ${elsewhere} connections in this room (the most one user may)`,
		);
	}
	// Closed connections in their grace hold places too, or a client could pile up users past the limit.
	const counts = room.hub.counts();
	const capacity = roomCapacity(room.settings);
	if (!taking && counts.connectionCount >= capacity) {
		throw new ProtocolError(
			ErrorCodes.ROOM_FULL,
			`this room holds at most ${capacity} connections, those in leave grace included`,
		);
	}
	// The reply counts as one delivery per user it lists (a roster of 1,000 is 1,000 user frames
	// worth); a repeated Register is optional load, a first one is charged like a message.
	const mode = data.presence ?? PresenceModes.events;
	const replyCost = mode === PresenceModes.count ? 1 : counts.userCount + 1;
	spendDeliveries(room, replyCost + room.hub.presenceCost(connection), current ? "optional" : "message");
	const now = clock.now();
	// (1.5) An MQTT CONNECT opens its session here, at the root: a persistent one resumes from it.
	const mqtt = mqttConnectOf(data);
	const session = mqtt && openSession(room, userId, mqtt, now);
	// The reply is built and encoded before anything changes, so that no failure (a history that
	// cannot be read or encoded) leaves a half-registered connection. Synchronous from the read to
	// the send: no message can fall between the history and the live stream.
	const history = registrationHistory(room, userId, session ? session.since : data.since);
	const change = room.hub.previewRegister(connection, {
		userId,
		name,
		meta: data.meta ?? {},
		registeredAt: current?.registeredAt ?? now,
		updatedAt: now,
	});
	const encoded = encodeRegistered(
		{
			self: { ...change.user, connectionId: connection.id },
			userCount: change.userCount,
			lastSeq: room.store.lastSeq,
			history: history.messages,
			historyTruncated: history.truncated,
		},
		mode === PresenceModes.count ? "[]" : room.hub.usersJsonAfter(change),
		requestId,
	);
	const registered = session ? withMqttPart(encoded, session.registered) : encoded;
	room.hub.register(connection, change, { mode, batch: data.batch === true }, registered);
}

/**
 * The history a Register gets: after `since` (the latest 100 of them), or the latest 50 without
 * it. A `since` beyond the room's last seq cannot come from this room's past (its storage was
 * reset, or the client mixed up rooms): it is answered as a fresh join, and `lastSeq` below the
 * client's `since` tells it to start over.
 */
function registrationHistory(room: RoomState, viewer: string, since: number | undefined) {
	const resuming = since !== undefined && since <= room.store.lastSeq;
	return room.store.history({
		since: resuming ? since : 0,
		limit: resuming ? Limits.resumeHistoryMax : Limits.joinHistory,
		viewer,
		keep: "newest",
	});
}

/**
 * Who a Register makes this connection. With a verified token the identity is the token's:
 * `userId` may be omitted or repeat it, and a name the token carries cannot be replaced.
 */
function claimedIdentity(connection: Member, data: RegisterData): { userId: string; name: string } {
	const verified = connection.verified;
	if (!verified) {
		if (data.userId === undefined) throw new ProtocolError(ErrorCodes.BAD_REQUEST, "userId is required");
		return { userId: data.userId, name: data.name ?? data.userId };
	}
	if (data.userId !== undefined && data.userId !== verified.userId) {
		throw new ProtocolError(ErrorCodes.UNAUTHORIZED, `this connection's token is for "${verified.userId}"`);
	}
	if (verified.name !== undefined && data.name !== undefined && data.name !== verified.name) {
		throw new ProtocolError(ErrorCodes.UNAUTHORIZED, `this connection's token sets the name "${verified.name}"`);
	}
	return { userId: verified.userId, name: verified.name ?? data.name ?? verified.userId };
}
