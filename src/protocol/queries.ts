/** Query parameters of the HTTP routes, checked like frames: a bad one is named, never guessed at. */
import * as v from "valibot";
import { Limits } from "./constants";

const wholeNumber = (field: string, min: number, max: number) =>
	v.pipe(
		v.string(),
		v.regex(/^\d{1,16}$/, `${field} must be a whole number`),
		v.transform(Number),
		v.minValue(min, `${field} must be at least ${min}`),
		v.maxValue(max, `${field} must be at most ${max}`),
	);

const MessagesQuerySchema = v.object({
	since: v.optional(wholeNumber("since", 0, Number.MAX_SAFE_INTEGER), "0"),
	limit: v.optional(wholeNumber("limit", 1, Limits.listMessagesMax), String(Limits.listMessagesDefault)),
});

export interface MessagesQuery {
	since: number;
	limit: number;
}

export type QueryResult<T> = { ok: true; query: T } | { ok: false; message: string };

/** `GET /rooms/:room/messages?since=N&limit=M`: since ≥ 0 (default 0), limit 1–500 (default 100). */
export function parseMessagesQuery(params: Record<string, string | undefined>): QueryResult<MessagesQuery> {
	const result = v.safeParse(MessagesQuerySchema, { since: params.since, limit: params.limit });
	if (result.success) return { ok: true, query: result.output };
	return { ok: false, message: result.issues[0].message };
}

const RemoveQuerySchema = v.object({
	banSeconds: v.optional(wholeNumber("banSeconds", 0, Limits.maxBanSeconds), "0"),
});

/** (1.4) `DELETE /rooms/:room/users/:userId?banSeconds=N`: N 0–604800 (default 0: no ban). */
export function parseRemoveQuery(params: Record<string, string | undefined>): QueryResult<{ banSeconds: number }> {
	const result = v.safeParse(RemoveQuerySchema, { banSeconds: params.banSeconds });
	if (result.success) return { ok: true, query: result.output };
	return { ok: false, message: result.issues[0].message };
}
