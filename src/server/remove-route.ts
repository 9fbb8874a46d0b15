/**
 * (1.4) `DELETE /rooms/:room/users/:userId?banSeconds=N`: a backend removes a user from a room, with
 * `Authorization: Bearer PUBLISH_KEY` as for server publish (a wrong or missing key is 401, no key
 * set is 403). The room answers `200 {"removed": n}`, or `404 USER_NOT_FOUND` for a user who is not
 * there and no ban asked for; a bad `banSeconds` is `400 BAD_REQUEST`.
 */
import type { RoomsEnv } from "../env";
import { httpErrorCodeOf, httpErrorResponse, Limits, parseRemoveQuery } from "../protocol";
import type { RemoveOptions } from "../room/backend-calls";
import type { RemoveResult } from "../room/removal";
import { publishKeyMatches, readAccess } from "../worker/access";

/** What the route needs of the room's root. */
export interface RemovingRoom {
	remove(userId: string, options: RemoveOptions): Promise<RemoveResult>;
}

/** The key's refusal, if any: the same rule as every server route's. */
export async function backendKeyRefusal(request: Request, env: RoomsEnv): Promise<Response | undefined> {
	const { publishKey } = readAccess(env);
	if (publishKey === undefined) return httpErrorResponse("FORBIDDEN", "server routes are off: PUBLISH_KEY is not set");
	if (!(await publishKeyMatches(request.headers.get("Authorization") ?? undefined, publishKey))) {
		return httpErrorResponse("UNAUTHORIZED", "Authorization: Bearer <PUBLISH_KEY> is missing or wrong");
	}
	return undefined;
}

export async function answerRemoval(
	request: Request,
	env: RoomsEnv,
	userId: string,
	room: () => RemovingRoom,
): Promise<Response> {
	const refused = await backendKeyRefusal(request, env);
	if (refused) return refused;
	const parsed = parseRemoveQuery(Object.fromEntries(new URL(request.url).searchParams));
	if (!parsed.ok) return httpErrorResponse("BAD_REQUEST", parsed.message);
	if (userId.length < 1 || userId.length > Limits.idMaxLength) {
		return httpErrorResponse("BAD_REQUEST", `userId must be 1-${Limits.idMaxLength} characters`);
	}
	const result = await room().remove(userId, { banSeconds: parsed.query.banSeconds });
	if (!result.ok) return httpErrorResponse(httpErrorCodeOf(result.code), result.message);
	return Response.json({ removed: result.removed });
}
