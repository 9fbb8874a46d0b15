/**
 * The room's delivery budget (`ROOM_DELIVERY_RATE`): what all its members together may make it
 * deliver, one event to one connection being one delivery. Each member keeps to its own rate and
 * fan-out still grows with the square of the room; this bound keeps a room's own members from
 * queueing more than it can send, so that a message never waits behind a flood of cursors.
 * Pure, with time as an argument; the bucket lives in memory, as one that has been idle long
 * enough for the object to hibernate is full anyway.
 */

export interface DeliveryBucket {
	/** Deliveries that may go out now; below zero after an event larger than the whole bucket. */
	tokens: number;
	/** When `tokens` was last brought up to date (epoch ms). */
	at: number;
}

/**
 * How an event draws on the budget. `message`: refused only when it would go past the budget
 * (a message, a first Register). `optional`: refused once less than half a second's worth is
 * left, so that messages keep that half as a reserve (a signal, an UpdateUser, a repeated
 * Register). `forced`: never refused, only counted (what a backend posts, and the room's own).
 */
export type DeliveryClass = "message" | "optional" | "forced";

/** A full bucket: one second's worth. */
export function fullDeliveryBucket(rate: number, now: number): DeliveryBucket {
	return { tokens: rate, at: now };
}

/**
 * Decides one event of `cost` deliveries and returns the bucket after it; never mutates its
 * input. An event larger than the whole bucket goes out only from a full one (leaving a debt),
 * so that no event is refused for ever by the room's size alone.
 */
export function drawDeliveries(
	bucket: DeliveryBucket,
	rate: number,
	cost: number,
	kind: DeliveryClass,
	now: number,
): { bucket: DeliveryBucket; admitted: boolean } {
	const at = Math.max(bucket.at, now);
	const tokens = Math.min(rate, bucket.tokens + ((at - bucket.at) * rate) / 1000);
	const affordable = tokens >= cost || tokens >= rate;
	const admitted = kind === "forced" || (affordable && (kind === "message" || tokens >= rate / 2));
	return { bucket: { tokens: admitted ? tokens - cost : tokens, at }, admitted };
}

/** The room's bucket. */
export class DeliveryBudget {
	readonly rate: number;
	#bucket: DeliveryBucket | undefined;

	constructor(rate: number) {
		this.rate = rate;
	}

	/** Whether an event of `cost` deliveries may go out now; if so, it is counted. */
	draw(cost: number, kind: DeliveryClass, now: number): boolean {
		const { bucket, admitted } = drawDeliveries(
			this.#bucket ?? fullDeliveryBucket(this.rate, now),
			this.rate,
			cost,
			kind,
			now,
		);
		this.#bucket = bucket;
		return admitted;
	}
}
