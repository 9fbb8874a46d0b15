/**
 * (1.4) The directory of occupied rooms for backends: `GET /rooms?prefix=P&limit=M&cursor=C`,
 * and `listRooms` for backend code in the same Worker. Every partition
 * (room/directory/partitions.ts) is asked for its first rooms after the cursor, and the answers
 * are merged by name. It tells which rooms exist and who fills them, so the route takes
 * `PUBLISH_KEY` as the server routes do (`403` when no key is set, `401` for a missing or wrong
 * one), never a member's token.
 */
import type { RoomsEnv } from "../env";
import {
	type DirectoryPage,
	type DirectoryQuery,
	encodeDirectoryCursor,
	httpErrorResponse,
	parseDirectoryQuery,
} from "../protocol";
import { mergeByName, perPartitionLimit } from "../room/directory/merge";
import { directoryPartition } from "../room/directory/partition-calls";
import { DIRECTORY_PARTITIONS } from "../room/directory/partitions";
import type { Room } from "../room/room";
import { publishKeyMatches, readAccess } from "../worker/access";
import { RoomCallError } from "./room-handle";

/** A page of the directory: names starting with `prefix`, at most `limit` (1–1000, default 100), after `cursor` (a page's). */
export interface ListRoomsOptions {
	prefix?: string;
	limit?: number;
	cursor?: string;
}

/**
 * The occupied rooms of the namespace bound for `Room` (or a subclass of it), by name; `cursor`
 * when more follow. Counts may lag by a few seconds. Bad options are `RoomCallError` `BAD_REQUEST`.
 */
export function listRooms(
	namespace: DurableObjectNamespace<Room<unknown>>,
	options: ListRoomsOptions = {},
): Promise<DirectoryPage> {
	const { prefix, limit, cursor } = options;
	if (prefix !== undefined && typeof prefix !== "string")
		throw new RoomCallError("BAD_REQUEST", "prefix must be a string");
	if (limit !== undefined && typeof limit !== "number")
		throw new RoomCallError("BAD_REQUEST", "limit must be a whole number");
	if (cursor !== undefined && typeof cursor !== "string")
		throw new RoomCallError("BAD_REQUEST", "cursor must be a string");
	const parsed = parseDirectoryQuery({ prefix, limit: limit === undefined ? undefined : String(limit), cursor });
	if (!parsed.ok) throw new RoomCallError("BAD_REQUEST", parsed.message);
	return directoryPage(namespace, parsed.query);
}

/** The page `query` asks for, from every partition. */
export async function directoryPage(namespace: DurableObjectNamespace, query: DirectoryQuery): Promise<DirectoryPage> {
	const asked = { ...query, limit: perPartitionLimit(query.limit) };
	const partitions = Array.from({ length: DIRECTORY_PARTITIONS }, (_, partition) => partition);
	const lists = await Promise.all(
		partitions.map((partition) => directoryPartition(namespace, partition).directoryList(asked)),
	);
	const { rooms, more } = mergeByName(lists, query.limit);
	const last = rooms[rooms.length - 1];
	return more && last ? { rooms, cursor: encodeDirectoryCursor(last.room) } : { rooms };
}

/** The answer to a directory request, the rooms being those of the namespace bound as `binding`. */
export async function answerDirectory(request: Request, env: object, binding: string): Promise<Response> {
	const { publishKey } = readAccess(env as RoomsEnv);
	if (publishKey === undefined) return httpErrorResponse("FORBIDDEN", "backend routes are off: PUBLISH_KEY is not set");
	if (!(await publishKeyMatches(request.headers.get("Authorization") ?? undefined, publishKey))) {
		return httpErrorResponse("UNAUTHORIZED", "Authorization: Bearer <PUBLISH_KEY> is missing or wrong");
	}
	const params = Object.fromEntries(new URL(request.url).searchParams);
	const parsed = parseDirectoryQuery(params);
	if (!parsed.ok) return httpErrorResponse("BAD_REQUEST", parsed.message);
	const namespace = (env as Record<string, unknown>)[binding] as DurableObjectNamespace | undefined;
	if (!namespace || typeof namespace.idFromName !== "function") {
		throw new Error(`no Durable Object namespace is bound as ${binding} (a [[durable_objects.bindings]] for Room)`);
	}
	return Response.json(await directoryPage(namespace, parsed.query));
}
