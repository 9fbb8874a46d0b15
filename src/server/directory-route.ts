/**
 * (1.4) `GET /rooms?prefix=P&limit=M&cursor=C`: the directory of occupied rooms, for backends.
 * It tells which rooms exist and who fills them, so it takes `PUBLISH_KEY` as the server routes
 * do (`403` when no key is set, `401` for a missing or wrong one), never a member's token.
 */
import type { RoomsEnv } from "../env";
import { httpErrorResponse, parseDirectoryQuery } from "../protocol";
import { publishKeyMatches, readAccess } from "../worker/access";
import { directoryPage } from "./room-directory";

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
