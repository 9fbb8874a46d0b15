/** Encoding of what the server sends: one place decides the wire shape of every event and HTTP error. */
import { type ErrorCode, type HttpErrorCode, SERVER_EVENT_TYPE, ServerEvents } from "./constants";
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
