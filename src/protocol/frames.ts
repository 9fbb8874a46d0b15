/** Encoding of what the server sends: one place decides the wire shape of every event and HTTP error. */
import { type ErrorCode, type HttpErrorCode, HttpErrors, SERVER_EVENT_TYPE, ServerEvents } from "./constants";
import type { HttpErrorBody, RegisteredData, ServerEventData } from "./types";

/** Encodes one server event; `requestId` appears exactly when the reply answers a request that had one. */
export function encodeServerFrame<E extends keyof ServerEventData>(
	event: E,
	data: ServerEventData[E],
	requestId?: string,
): string {
	return JSON.stringify(
		requestId === undefined
			? { eventType: SERVER_EVENT_TYPE, event, data }
			: { eventType: SERVER_EVENT_TYPE, event, requestId, data },
	);
}

/**
 * A `Registered` frame whose `users` list is already JSON: a large room's roster is encoded once
 * per change and spliced in, not encoded again for every joiner. The same shape as
 * `encodeServerFrame(ServerEvents.Registered, …)`.
 */
export function encodeRegistered(data: Omit<RegisteredData, "users">, usersJson: string, requestId?: string): string {
	const { self, userCount, lastSeq, history, historyTruncated } = data;
	const head = requestId === undefined ? "" : `"requestId":${JSON.stringify(requestId)},`;
	return (
		`{"eventType":"${SERVER_EVENT_TYPE}","event":"${ServerEvents.Registered}",${head}"data":{` +
		`"self":${JSON.stringify(self)},"users":${usersJson},"userCount":${userCount},"lastSeq":${lastSeq},` +
		`"history":${JSON.stringify(history)},"historyTruncated":${historyTruncated}}}`
	);
}

export function encodeError(code: ErrorCode, message: string, requestId?: string): string {
	return encodeServerFrame(ServerEvents.Error, { code, message }, requestId);
}

/** The body of every HTTP error response. */
export function httpErrorBody(code: HttpErrorCode, message: string): HttpErrorBody {
	return { error: { code, message } };
}

/** An HTTP error response: the code's status from the table, and the JSON body. */
export function httpErrorResponse(code: HttpErrorCode, message: string): Response {
	return Response.json(httpErrorBody(code, message), { status: HttpErrors[code] });
}

/** The HTTP code for an error a room reported: its own when it has one over HTTP, else INTERNAL. */
export function httpErrorCodeOf(code: ErrorCode): HttpErrorCode {
	return Object.hasOwn(HttpErrors, code) ? (code as HttpErrorCode) : "INTERNAL";
}
