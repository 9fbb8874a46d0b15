/** Encoding of what the server sends: one place decides the wire shape of every event and HTTP error. */
import { type ErrorCode, type HttpErrorCode, HttpErrors, SERVER_EVENT_TYPE, ServerEvents } from "./constants";
import type { HttpErrorBody, ServerEventData } from "./types";

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
