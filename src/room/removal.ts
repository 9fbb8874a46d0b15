/**
 * (1.4) A backend removes a user from the room: every connection of that user closed with 4003,
 * and the others told at once, without leave grace, as one leave with reason `"removed"`. At a
 * root with shards the one roster change is one presence log row naming the user's connections
 * on the shards: each shard closes those it holds when it takes the row, in order with the rest of
 * the stream, so that the removal survives a lost call or a restart of either side as rows do.
 */
import { CloseCodes, type ErrorCode, ErrorCodes, LeaveReasons, Limits } from "../protocol";
import type { RoomBans } from "./bans";
import type { HubState } from "./hub-state";

/** What the room answers a removal: the connections closed, or the contract's refusal. */
export type RemoveResult = { ok: true; removed: number } | { ok: false; code: ErrorCode; message: string };

/** What a removal needs of the room. */
export interface RemovalContext {
	bans: RoomBans;
	/** The user's connections on the room's shards that will hear the removal (a shard closes them). */
	onShards: (userId: string) => string[];
	/** Removes the user from the roster and closes their sockets here: how many, and whether anything of them was here. */
	remove: (userId: string, onShards: string[]) => { closed: number; present: boolean };
	now: number;
}

/** A removal's arguments as they reach the room, checked again: the RPC may be called by any code. */
export function removalProblem(userId: unknown, banSeconds: unknown): string | undefined {
	if (typeof userId !== "string" || userId.length < 1 || userId.length > Limits.idMaxLength) {
		return `userId must be a string of 1-${Limits.idMaxLength} characters`;
	}
	if (!Number.isInteger(banSeconds) || (banSeconds as number) < 0 || (banSeconds as number) > Limits.maxBanSeconds) {
		return `banSeconds must be a whole number from 0 to ${Limits.maxBanSeconds}`;
	}
	return undefined;
}

/**
 * Removes `userId`, banned for `banSeconds` (0: not banned). A user with nothing here is
 * `USER_NOT_FOUND`, unless a ban was asked for: the ban is kept all the same.
 */
export function removeUser(context: RemovalContext, userId: string, banSeconds: number): RemoveResult {
	const problem = removalProblem(userId, banSeconds);
	if (problem) return { ok: false, code: ErrorCodes.BAD_REQUEST, message: problem };
	const { bans, now } = context;
	if (banSeconds > 0) bans.ban(userId, now + banSeconds * 1000, now);
	const { closed, present } = context.remove(userId, context.onShards(userId));
	if (!present && banSeconds === 0) {
		return { ok: false, code: ErrorCodes.USER_NOT_FOUND, message: `"${userId}" is not in this room` };
	}
	return { ok: true, removed: closed };
}

/**
 * The Hub's part: the user's sockets here hear nothing of their own removal, the roster tells the
 * others (and, through its row, the shards), then each socket is closed with 4003.
 */
export function removeFromHub(
	state: HubState,
	userId: string,
	onShards: readonly string[],
	drop: (ws: WebSocket, code: number, reason: string) => void,
): { closed: number; present: boolean } {
	const { live, presence, feed, audience, remote } = state;
	const here = [...live.values()].filter(
		(connection) => (connection.identity?.userId ?? connection.verified?.userId) === userId,
	);
	for (const { socket } of here) {
		feed.forget(socket);
		audience.delete(socket);
	}
	const shards = [...new Set([...remote.ofUser(userId).map((connection) => connection.id), ...onShards])];
	const before = presence.removeUser(userId, LeaveReasons.removed, shards);
	remote.forgetUser(userId);
	for (const { socket } of here) drop(socket, CloseCodes.removed, LeaveReasons.removed);
	// Connections on shards are closed only through the roster's row: one of a user not present gets none.
	const closed = here.length + (before ? shards.length : 0);
	return { closed, present: before !== undefined || here.length > 0 };
}
