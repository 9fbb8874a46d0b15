/**
 * A test client over any standard WebSocket (workerd's, the `ws` package's): records every
 * frame, waits for the one a test expects with a timeout, and proves absence with a barrier
 * instead of a sleep.
 */
import type { ClientEventName, ServerEventData, ServerFrame } from "../../src/protocol";

export interface SocketLike {
	send(data: string | ArrayBuffer | Uint8Array): void;
	close(code?: number, reason?: string): void;
	addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
	addEventListener(type: "close", listener: (event: { code: number; reason: string }) => void): void;
}

export type FrameOf<E extends keyof ServerEventData> = Extract<ServerFrame, { event: E }>;

export const DEFAULT_WAIT_MS = 5000;

let requestCounter = 0;

export class TestClient {
	/**
	 * Every server event received, in order: a batched frame (a JSON array, 1.2) is its events, one
	 * by one. `texts` keeps each frame as it came, `pong` and batches included.
	 */
	readonly frames: ServerFrame[] = [];
	readonly texts: string[] = [];
	closeEvent: { code: number; reason: string } | undefined;
	#consumed = new Set<number>();
	#waiters = new Set<() => void>();

	constructor(readonly socket: SocketLike) {
		socket.addEventListener("message", (event) => {
			const text = typeof event.data === "string" ? event.data : String(event.data);
			this.texts.push(text);
			try {
				const parsed = JSON.parse(text) as ServerFrame | ServerFrame[];
				if (Array.isArray(parsed)) this.frames.push(...parsed);
				else this.frames.push(parsed);
			} catch {
				// raw text such as "pong": kept in `texts`
			}
			this.#wake();
		});
		socket.addEventListener("close", (event) => {
			this.closeEvent = { code: event.code, reason: event.reason };
			this.#wake();
		});
	}

	/** Sends text and binary data as they are, anything else as JSON. */
	send(frame: unknown): void {
		const raw = typeof frame === "string" || frame instanceof ArrayBuffer || frame instanceof Uint8Array;
		this.socket.send(raw ? frame : JSON.stringify(frame));
	}

	/** Sends a client event with a fresh requestId and waits for the reply carrying it. */
	async request(
		event: ClientEventName | string,
		requestData?: unknown,
		timeoutMs = DEFAULT_WAIT_MS,
	): Promise<ServerFrame> {
		const requestId = `r${++requestCounter}`;
		this.send({ eventType: "ClientEvent", event, requestId, ...(requestData === undefined ? {} : { requestData }) });
		return this.waitFor((frame) => frame.requestId === requestId, timeoutMs, `reply to ${event} ${requestId}`);
	}

	register(userId: string, extra: Record<string, unknown> = {}): Promise<ServerFrame> {
		return this.request("Register", { userId, ...extra });
	}

	/** Waits for the next not-yet-taken frame of this event (optionally matching `where`). */
	next<E extends keyof ServerEventData>(event: E, where?: (frame: FrameOf<E>) => boolean, timeoutMs = DEFAULT_WAIT_MS) {
		return this.waitFor(
			(frame): frame is FrameOf<E> => frame.event === event && (!where || where(frame as FrameOf<E>)),
			timeoutMs,
			event,
		) as Promise<FrameOf<E>>;
	}

	/** Resolves with the first frame not yet taken that matches, waiting up to `timeoutMs`. */
	waitFor(match: (frame: ServerFrame) => boolean, timeoutMs = DEFAULT_WAIT_MS, what = "frame"): Promise<ServerFrame> {
		return new Promise((resolve, reject) => {
			const check = (): boolean => {
				for (let i = 0; i < this.frames.length; i++) {
					const frame = this.frames[i] as ServerFrame;
					if (this.#consumed.has(i) || !match(frame)) continue;
					this.#consumed.add(i);
					finish();
					resolve(frame);
					return true;
				}
				return false;
			};
			const timer = setTimeout(() => {
				finish();
				reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${this.#summary()}`));
			}, timeoutMs);
			const finish = () => {
				clearTimeout(timer);
				this.#waiters.delete(onFrame);
			};
			const onFrame = () => void check();
			if (!check()) this.#waiters.add(onFrame);
		});
	}

	/** Waits until the server has closed this socket; resolves with the close code. */
	waitForClose(timeoutMs = DEFAULT_WAIT_MS): Promise<{ code: number; reason: string }> {
		return new Promise((resolve, reject) => {
			if (this.closeEvent) return resolve(this.closeEvent);
			const timer = setTimeout(() => reject(new Error(`socket not closed after ${timeoutMs} ms`)), timeoutMs);
			const onClose = () => {
				if (!this.closeEvent) return;
				clearTimeout(timer);
				this.#waiters.delete(onClose);
				resolve(this.closeEvent);
			};
			this.#waiters.add(onClose);
		});
	}

	/**
	 * A barrier: the room answers frames in order, so once the reply to this harmless probe is
	 * here, every frame the room sent this socket before it is here too.
	 */
	async settle(timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
		await this.request("Probe", undefined, timeoutMs);
	}

	/** Frames of an event received and not yet taken by a wait. */
	pending(event?: keyof ServerEventData): ServerFrame[] {
		return this.frames.filter(
			(frame, i) => !this.#consumed.has(i) && (event === undefined || frame.event === event) && !isProbeReply(frame),
		);
	}

	/** Every frame of an event received so far, taken or not. */
	received<E extends keyof ServerEventData>(event: E): FrameOf<E>[] {
		return this.frames.filter((frame): frame is FrameOf<E> => frame.event === event && !isProbeReply(frame));
	}

	close(code = 1000, reason = "bye"): void {
		try {
			this.socket.close(code, reason);
		} catch {
			// already closed
		}
	}

	#wake(): void {
		for (const waiter of [...this.#waiters]) waiter();
	}

	#summary(): string {
		const events = this.frames.map((frame) => frame.event + (frame.requestId ? `(${frame.requestId})` : ""));
		return `[${events.join(", ")}]${this.closeEvent ? ` closed ${this.closeEvent.code}` : ""}`;
	}
}

/** The reply to `settle`'s probe, which is not part of what a test observes. */
export function isProbeReply(frame: ServerFrame): boolean {
	return frame.event === "Error" && frame.data.code === "UNKNOWN_EVENT" && frame.data.message.includes('"Probe"');
}

export function randomRoom(prefix = "t"): string {
	return `${prefix}-${crypto.randomUUID()}`;
}
