/**
 * (j)'s account of one sender's messages: when each was sent, which were refused, and when each
 * receiver got each one. Under a flood some servers fall tens of seconds behind; a step waits
 * only so long, and a delivery still missing then is lost. A lost delivery is counted in the
 * latencies at the time it had waited when the step gave up (a lower bound), so that a server
 * that delivers a tenth of its messages does not show the p99 of that tenth. Pure: the caller
 * gives the times. No imports, so that the unit tests can load it under any tsconfig.
 */

export interface MessageAccount {
	messages: number;
	/** Messages the room refused (`RATE_LIMITED` for the message itself): they reach nobody. */
	refused: number;
	/** Deliveries due: every message not refused, to every receiver. */
	expected: number;
	delivered: number;
	/** Deliveries not there when the step gave up. */
	lost: number;
	duplicated: number;
	/** Of every delivery due (ms), a lost one at the time it had waited. */
	latencies: number[];
}

export class MessageBook {
	readonly #receivers: number;
	readonly #sentAt: number[] = [];
	readonly #seen: Uint8Array[] = [];
	readonly #refused = new Set<number>();
	readonly #latencies: number[] = [];
	#delivered = 0;
	#duplicated = 0;
	/** Deliveries of messages this book never sent (another step's, or a garbled key). */
	unknown = 0;

	/** Messages go to receivers 0 … receivers-1 (the sender is not one of them). */
	constructor(receivers: number) {
		this.#receivers = receivers;
	}

	/** A message sent at `at` (ms); its key. */
	send(at: number): number {
		this.#sentAt.push(at);
		this.#seen.push(new Uint8Array(this.#receivers));
		return this.#sentAt.length - 1;
	}

	refuse(key: number): void {
		if (key >= 0 && key < this.#sentAt.length) this.#refused.add(key);
	}

	/** `receiver` got message `key` at `at` (ms). */
	deliver(receiver: number, key: number, at: number): void {
		const seen = this.#seen[key];
		if (!seen || receiver < 0 || receiver >= this.#receivers) {
			this.unknown++;
			return;
		}
		if (seen[receiver]) {
			this.#duplicated++;
			return;
		}
		seen[receiver] = 1;
		this.#delivered++;
		this.#latencies.push(at - (this.#sentAt[key] as number));
	}

	/** Whether every delivery due has arrived (a refused message is due nowhere). */
	get complete(): boolean {
		return this.#delivered >= (this.#sentAt.length - this.#refused.size) * this.#receivers;
	}

	/** The account when the step gives up at `giveUpAt` (ms). */
	account(giveUpAt: number): MessageAccount {
		const latencies = [...this.#latencies];
		let lost = 0;
		this.#seen.forEach((seen, key) => {
			if (this.#refused.has(key)) return;
			const waited = giveUpAt - (this.#sentAt[key] as number);
			for (const got of seen) {
				if (got) continue;
				lost++;
				latencies.push(waited);
			}
		});
		const messages = this.#sentAt.length;
		const refused = this.#refused.size;
		return {
			messages,
			refused,
			expected: (messages - refused) * this.#receivers,
			delivered: this.#delivered,
			lost,
			duplicated: this.#duplicated,
			latencies,
		};
	}
}

/** An `Error` frame's code and request id; undefined for what is not one. */
export function readError(text: string): { code: string; requestId?: string } | undefined {
	try {
		const frame = JSON.parse(text) as { event?: unknown; requestId?: unknown; data?: { code?: unknown } };
		if (frame.event !== "Error" || typeof frame.data?.code !== "string") return undefined;
		return typeof frame.requestId === "string"
			? { code: frame.data.code, requestId: frame.requestId }
			: { code: frame.data.code };
	} catch {
		return undefined;
	}
}
