/** The error a `send()`, `connect()` or the `error` event carries. */
import { CloseCodes, type ErrorCode, type HttpErrorCode } from "../protocol/constants";

/** Codes the client adds to the protocol's own. */
export const ClientErrorCodes = {
	/** `close()` was called, or the server closed with 1008: the request will never be answered. */
	CLOSED: "CLOSED",
	/** (1.4) The room's backend removed our user (close 4003): the client does not come back by itself. */
	REMOVED: "REMOVED",
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

/**
 * The error a close the client must not come back from ends it with: 1008 (policy, CLOSED) and
 * (1.4) 4003 (a backend removed our user, REMOVED); undefined for any other close.
 */
export function finalCloseError(code: number, reason: string): RoomError | undefined {
	if (code === CloseCodes.policy)
		return new RoomError(ClientErrorCodes.CLOSED, `closed by the server (${code}): ${reason}`);
	if (code !== CloseCodes.removed) return undefined;
	return new RoomError(ClientErrorCodes.REMOVED, `removed from this room by its backend (${code}): ${reason}`);
}
