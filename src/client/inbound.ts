/**
 * The order in which a RoomClient hears its socket. A batched frame (1.2) carries several server
 * events, and each is handled in a task of its own, as if it had come in a frame of its own: what
 * the page runs after one (a promise continuation such as `await client.connect()` that then adds
 * a listener, an async listener's next step) runs before the next event, as it would between two
 * frames. Whatever the socket reports meanwhile (another frame, its close) waits its turn.
 */
import type { ServerFrame } from "../protocol/types";
import type { TransportHandlers } from "./transport";
import { decodeServerFrames } from "./wire";

type Turn = () => void;

/** What a RoomClient does with its socket's reports, a frame's events one at a time. */
export interface InboundHandlers extends Omit<TransportHandlers, "frame"> {
	/** One server event, or `undefined` for one that is not the protocol. */
	event: (frame: ServerFrame | undefined) => void;
}

export class InboundQueue {
	readonly #waiting: Turn[] = [];
	/** A turn is running, or the next one is scheduled. */
	#busy = false;
	#channel: MessageChannel | undefined;

	/** The transport's handlers, each report taking its turn here. */
	handlers(to: InboundHandlers): TransportHandlers {
		return {
			open: () => this.push([to.open]),
			frame: (data) => this.push(decodeServerFrames(data).map((frame) => () => to.event(frame))),
			close: (code, reason) => this.push([() => to.close(code, reason)]),
			failed: (error) => this.push([() => to.failed(error)]),
			refused: (error) => this.push([() => to.refused(error)]),
		};
	}

	/** The first turn runs now if nothing waits (as every report did before 1.2), each later one in a task of its own. */
	push(turns: readonly Turn[]): void {
		// One by one: a spread of a huge array (a server that ignores the 256 cap) would overflow the stack.
		for (const turn of turns) this.#waiting.push(turn);
		if (!this.#busy) this.#runNext();
	}

	/** The client stopped for good: what waits is dropped, as frames are once a socket's listeners are gone. */
	clear(): void {
		this.#waiting.length = 0;
		this.#channel?.port1.close();
		this.#channel = undefined;
	}

	#runNext = (): void => {
		const turn = this.#waiting.shift();
		if (!turn) {
			this.#busy = false;
			return;
		}
		this.#busy = true;
		try {
			turn();
		} finally {
			if (this.#waiting.length > 0) this.#runNextLater();
			else this.#busy = false;
		}
	};

	/**
	 * A later task without a timer's clamping (4 ms once nested) or a background tab's throttling:
	 * `setImmediate` where there is one (Node), else a MessageChannel (browsers).
	 */
	#runNextLater(): void {
		const { setImmediate } = globalThis as { setImmediate?: (callback: () => void) => unknown };
		if (typeof setImmediate === "function") {
			setImmediate(this.#runNext);
		} else if (typeof MessageChannel === "function") {
			if (!this.#channel) {
				this.#channel = new MessageChannel();
				this.#channel.port1.onmessage = () => this.#runNext();
			}
			this.#channel.port2.postMessage(undefined);
		} else {
			setTimeout(this.#runNext, 0);
		}
	}
}
