/** JSON error responses, the one shape every HTTP failure takes. */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type HttpErrorBody, type HttpErrorCode, HttpErrors } from "../protocol";

export function errorBody(code: HttpErrorCode, message: string): HttpErrorBody {
	return { error: { code, message } };
}

export function httpError(c: Context, code: HttpErrorCode, message: string): Response {
	return c.json(errorBody(code, message), HttpErrors[code] as ContentfulStatusCode);
}
