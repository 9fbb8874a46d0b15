/**
 * Which part of a room an object plays follows from its name, so one Durable Object class plays
 * every part. The room's first object is named by the room (as a one-object room always was) and
 * is its **root**: it numbers and stores every message, holds the durable roster, decides admission
 * and placement. A **shard** k ≥ 1 is named `${room}~${k}`: `~` is not allowed in a room name, so
 * no room can reach a shard through the public routes, and each shard has exactly one name (the
 * index is written without leading zeros).
 */
import { isValidRoomName } from "../../protocol";

/** The root's index: the room's first object. */
export const ROOT_SHARD = 0;

/** No room needs more objects than connections: `MAX_CONNECTIONS` is at most 1,000,000. */
export const MAX_SHARD_INDEX = 1_000_000;

const SEPARATOR = "~";
const SHARD_NAME = /^(.+)~([1-9][0-9]*)$/;

/** What an object is, read from its name. */
export interface ObjectRole {
	room: string;
	/** 0 for the root, k ≥ 1 for a shard. */
	shard: number;
}

/** The name of object `shard` of `room` (the root's is the room's own name). */
export function shardObjectName(room: string, shard: number): string {
	if (!isValidRoomName(room)) throw new RangeError(`"${room}" is not a room name`);
	if (!Number.isInteger(shard) || shard < 0 || shard > MAX_SHARD_INDEX) {
		throw new RangeError(`a room's objects are numbered 0 to ${MAX_SHARD_INDEX}, not ${shard}`);
	}
	return shard === ROOT_SHARD ? room : `${room}${SEPARATOR}${shard}`;
}

/** The room and index an object name stands for, or undefined for a name no object of a room has. */
export function objectRole(name: string): ObjectRole | undefined {
	if (isValidRoomName(name)) return { room: name, shard: ROOT_SHARD };
	const match = SHARD_NAME.exec(name);
	if (!match) return undefined;
	const [, room = "", digits = ""] = match;
	const shard = Number(digits);
	if (!isValidRoomName(room) || shard > MAX_SHARD_INDEX) return undefined;
	return { room, shard };
}

export function isRoot(role: ObjectRole): boolean {
	return role.shard === ROOT_SHARD;
}
