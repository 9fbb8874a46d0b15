/**
 * A sender that sends each message exactly once across crashes, as the client library does: each
 * `SendMessage` carries a `clientMessageId`, and every message written but not acknowledged is
 * written again, with the same id, after each new `Registered` (the room answers a resend with
 * the original `MessageAck` and delivers nothing twice). The message body is `{"n": number}`,
 * so a test can find each message in the room's history.
 */
import { ResumingClient, type ResumingClientOptions } from "./resuming-client.ts";
import type { AckData } from "./server-frames.ts";

export interface SentMessage {
	n: number;
	clientMessageId: string;
	/** Times written to a socket. */
	writes: number;
	ack?: AckData;
}

export class AckedSender {
	readonly client: ResumingClient;
	readonly messages: SentMessage[] = [];
	readonly #byRequestId = new Map<string, SentMessage>();
	readonly #ackListeners = new Set<() => void>();

	constructor(options: Omit<ResumingClientOptions, "onRegistered" | "onAck">) {
		this.client = new ResumingClient({
			...options,
			onRegistered: () => this.#resendUnacknowledged(),
			onAck: (requestId, ack) => this.#acked(requestId, ack),
		});
	}

	/** Queues message `n`, writing it now if registered (else at the next `Registered`). */
	send(): SentMessage {
		const n = this.messages.length + 1;
		const message: SentMessage = { n, clientMessageId: `c${n}`, writes: 0 };
		this.messages.push(message);
		this.#write(message);
		return message;
	}

	get acked(): SentMessage[] {
		return this.messages.filter((message) => message.ack !== undefined);
	}

	/** Resolves once `count` messages are acknowledged; rejects after `timeoutMs`. */
	whenAcked(count: number, timeoutMs: number): Promise<void> {
		if (this.acked.length >= count) return Promise.resolve();
		return new Promise((done, fail) => {
			const check = () => {
				if (this.acked.length < count) return;
				clearTimeout(timer);
				this.#ackListeners.delete(check);
				done();
			};
			const timer = setTimeout(() => {
				this.#ackListeners.delete(check);
				fail(new Error(`${this.acked.length} of ${count} messages acknowledged after ${timeoutMs} ms`));
			}, timeoutMs);
			this.#ackListeners.add(check);
		});
	}

	#write(message: SentMessage): void {
		const requestId = `m${message.n}`;
		const frame = JSON.stringify({
			eventType: "ClientEvent",
			event: "SendMessage",
			requestId,
			requestData: { message: { n: message.n }, clientMessageId: message.clientMessageId },
		});
		if (!this.client.send(frame)) return;
		message.writes += 1;
		this.#byRequestId.set(requestId, message);
	}

	#resendUnacknowledged(): void {
		for (const message of this.messages) if (message.ack === undefined) this.#write(message);
	}

	#acked(requestId: string, ack: AckData): void {
		const message = this.#byRequestId.get(requestId);
		if (message && message.ack === undefined) message.ack = ack;
		for (const listener of this.#ackListeners) listener();
	}
}
