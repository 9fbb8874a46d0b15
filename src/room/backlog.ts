/**
 * The bound on what waits in the room for a peer that does not read (`MAX_BUFFERED_BYTES`).
 *
 * The measure is the runtime's own: `WebSocket.bufferedAmount`, the bytes a socket was sent and
 * has not yet handed to the network. It grows once the network (kernel buffers, any proxy in
 * between) stops taking bytes because the peer stopped reading, and falls again as it reads. It
 * is held by the runtime per socket, so nothing of ours needs to survive hibernation (what
 * `BacklogBounds` keeps in memory only spares reads). Runtimes without it (older workerd) report
 * `undefined`: no bound.
 *
 * The check comes before a send, and counts what waited before the current turn: a peer that
 * more than the bound already waited for is closed instead of sent more. What the room sends in
 * one turn cannot have been read yet, whatever the peer's pace, so a burst of the room's own (a
 * long resume history, the leaves after a restart) never closes a reader by itself; a peer that
 * does not read is closed at the room's next turn that sends to it.
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

/** The most one send of `frame` can add to a backlog: 3 UTF-8 bytes per UTF-16 unit, and a frame header. */
export function sendCost(frame: string): number {
	return frame.length * 3 + 14;
}

/**
 * Reading `bufferedAmount` on every send of a fan-out cost about 8 % of a signal's saturated
 * throughput (the benchmark's (g)). A backlog grows only by what the room sends and shrinks by
 * itself, so what the runtime reported at the last read plus the cost of every send since is an
 * upper bound of it. While that bound is within `maxBufferedBytes`, the peer cannot be over it and
 * the runtime is not asked; past it, it is asked again. The decisions are those of a read before
 * every send, but for what the runtime sends by itself (the 4-byte pongs to a peer's pings): a
 * peer that only pings and never reads is found at its next request, or once the room's own sends
 * could reach the bound. Kept per room instance: after a wake-up the first send to each socket reads.
 */
export class BacklogBounds {
	readonly #maxBufferedBytes: number;
	readonly #upTo = new WeakMap<WebSocket, number>();
	/** What this turn has sent each socket (its `sendCost`), forgotten once the turn is over. */
	readonly #thisTurn = new Map<WebSocket, number>();
	/** Bytes the room itself holds for a socket (its batch), which wait as much as the runtime's. */
	readonly #held: (ws: WebSocket) => number;

	constructor(maxBufferedBytes: number, held: (ws: WebSocket) => number = () => 0) {
		this.#maxBufferedBytes = maxBufferedBytes;
		this.#held = held;
	}

	/** Whether more than the bound waited for `ws` before this turn (the runtime asked). */
	over(ws: WebSocket): boolean {
		const waiting = this.#read(ws);
		if (overBacklog(waiting - this.#sentThisTurn(ws), this.#maxBufferedBytes)) return true;
		this.#upTo.set(ws, waiting);
		return false;
	}

	/** Whether `ws` is over the bound before a send of `frame`, asking the runtime only when it may be; if not, counts the send. */
	overBeforeSend(ws: WebSocket, frame: string): boolean {
		const sent = this.#sentThisTurn(ws);
		let known = this.#upTo.get(ws);
		if (known === undefined || known - sent > this.#maxBufferedBytes) {
			const waiting = this.#read(ws);
			if (overBacklog(waiting - sent, this.#maxBufferedBytes)) return true;
			known = waiting;
		}
		const cost = sendCost(frame);
		this.#upTo.set(ws, known + cost);
		if (this.#thisTurn.size === 0) queueMicrotask(() => this.#thisTurn.clear());
		this.#thisTurn.set(ws, sent + cost);
		return false;
	}

	#sentThisTurn(ws: WebSocket): number {
		return this.#thisTurn.get(ws) ?? 0;
	}

	/** What the runtime reports waiting (0 where it cannot tell), and what the room holds. */
	#read(ws: WebSocket): number {
		const waiting = bufferedAmountOf(ws);
		return (typeof waiting === "number" && Number.isFinite(waiting) ? waiting : 0) + this.#held(ws);
	}
}
