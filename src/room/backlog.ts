/**
 * The bound on what waits in the room for a peer that does not read (`MAX_BUFFERED_BYTES`).
 *
 * The measure is the runtime's own: `WebSocket.bufferedAmount`, the bytes a socket was sent and
 * has not yet handed to the network. It grows once the network (kernel buffers, any proxy in
 * between) stops taking bytes because the peer stopped reading, and falls again as it reads. It
 * is held by the runtime per socket, so nothing of ours is written per send and nothing needs
 * to survive hibernation. Runtimes without it (older workerd) report `undefined`: no bound.
 *
 * The check comes before a send: a peer that more than the bound already waits for is closed
 * instead of sent more. So a single frame larger than the bound (a long resume history) never
 * closes a reader by itself, and what waits for one peer stays below the bound plus one frame.
 */
import { CloseCodes } from "../protocol";

/** How a peer over the bound is closed; a client reconnects and resumes after it. */
export const TOO_SLOW = { code: CloseCodes.tooSlow, reason: "too slow" } as const;

/**
 * Whether more than `maxBufferedBytes` wait for a peer. `bufferedAmount` is what the runtime
 * reports; anything but a finite number means it cannot tell, and a peer is never closed on a guess.
 */
export function overBacklog(bufferedAmount: unknown, maxBufferedBytes: number): boolean {
	return typeof bufferedAmount === "number" && Number.isFinite(bufferedAmount) && bufferedAmount > maxBufferedBytes;
}

/** What the runtime reports for one socket, read without trusting the declared type. */
export function bufferedAmountOf(ws: WebSocket): unknown {
	return (ws as { bufferedAmount?: unknown }).bufferedAmount;
}
