/** The error a `send()`, `connect()` or the `error` event carries. */
import type { ErrorCode, HttpErrorCode } from "../protocol/constants";

/** Codes the client adds to the protocol's own. */
export const ClientErrorCodes = {
	/** `close()` was called, or the server closed with 1008: the request will never be answered. */
	CLOSED: "CLOSED",
	/** More unacknowledged sends than `queueLimit`. */
	QUEUE_FULL: "QUEUE_FULL",
	/** The message cannot be sent as JSON (undefined, a function, a cycle, a BigInt). */
	NOT_JSON: "NOT_JSON",
	/** `unregister()` was called while this send still waited in the queue. */
	UNREGISTERED: "UNREGISTERED",
	/** A connection attempt failed (network, refused upgrade, a token function that threw); it is retried. */
	CONNECTION_FAILED: "CONNECTION_FAILED",
	/** A frame from the server that is not the protocol (a proxy's error page, say). */
	BAD_SERVER_FRAME: "BAD_SERVER_FRAME",
} as const;
export type ClientErrorCode = (typeof ClientErrorCodes)[keyof typeof ClientErrorCodes];

/** A refusal that only HTTP carries: the token does not grant this room, or the page's origin is not allowed. */
export type RefusalCode = Extract<HttpErrorCode, "FORBIDDEN">;

export class RoomError extends Error {
	override readonly name = "RoomError";
	readonly code: ErrorCode | RefusalCode | ClientErrorCode;
	readonly requestId: string | undefined;

	constructor(code: ErrorCode | RefusalCode | ClientErrorCode, message: string, requestId?: string) {
		super(message);
		this.code = code;
		this.requestId = requestId;
	}
}

/** `error`, reported while the client tries again. */
export function retrying(error: RoomError): RoomError {
	return new RoomError(error.code, `${error.message}; retrying`, error.requestId);
}
