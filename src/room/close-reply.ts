/**
 * How the room answers a peer that closes. A hibernatable socket gets no automatic reply to a
 * Close frame, so the room completes the handshake itself, but only when there is a handshake
 * to complete: 1006 and 1015 are codes the runtime reports when no Close frame came (the
 * transport is gone), and a write to such a socket can fail later, outside any try/catch, as
 * an unhandled rejection. A Close frame without a code (1005) is answered with 1000, so that a
 * peer that closed cleanly is not left waiting for our half of the handshake.
 */

/** The code to answer a peer's close with, or undefined when nothing must be sent. */
export function closeReplyCode(code: number, wasClean: boolean): number | undefined {
	if (!wasClean || code === 1006 || code === 1015) return undefined;
	return isSendableCloseCode(code) ? code : 1000;
}

/** Codes an endpoint may put in a Close frame (RFC 6455 7.4): 1000–1003, 1007–1014, 3000–4999. */
export function isSendableCloseCode(code: number): boolean {
	return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/**
 * A socket error that only says the peer went away while the socket was closing or closed:
 * an ordinary end of a connection, not a failure worth logging.
 */
export function isPeerGoneError(readyState: number, error: unknown): boolean {
	if (readyState !== WebSocket.CLOSING && readyState !== WebSocket.CLOSED) return false;
	if (typeof error !== "object" || error === null) return false;
	if ((error as { retryable?: unknown }).retryable === true) return true;
	const message = (error as { message?: unknown }).message;
	return typeof message === "string" && /Network connection lost|WebSocket peer disconnected/i.test(message);
}
