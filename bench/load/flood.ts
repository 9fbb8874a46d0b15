/**
 * (j)'s flood: what each frame is and when it goes. Every member sends at a rate just under its
 * own limit, frame n of the flood going to member n mod members; frame n of a schedule of
 * `perSecond` frames a second is due n / perSecond seconds after its start. A loop that woke late
 * must not send a member's missed frames all at once (a burst past the member's own bucket would
 * be refused by its own limit, not by the room), so frames later than `maxLateMs` are skipped and
 * counted, never sent. No imports, so that the unit tests can load it under any tsconfig.
 */

/** What every member floods the room with: `Signal`s, or `UpdateUser`s (each a `UserUpdated` to the others). */
export type FloodKind = "signal" | "update";
export const FLOOD_KINDS: readonly FloodKind[] = ["signal", "update"];

/**
 * Frame n of the flood: a cursor that moves with n, so that every `UpdateUser` changes the user
 * (an unchanged one is announced to nobody). No request id: nothing waits for a reply.
 */
export function floodFrame(flood: FloodKind, n: number): string {
	const cursor = `{"cursor":{"x":${n % 1920},"y":${Math.floor(n / 1920) % 1080}}}`;
	return flood === "signal"
		? `{"eventType":"ClientEvent","event":"Signal","requestData":{"signal":${cursor}}}`
		: `{"eventType":"ClientEvent","event":"UpdateUser","requestData":{"meta":${cursor}}}`;
}

const DELIVERY_PREFIXES = [
	Buffer.from('{"eventType":"ServerEvent","event":"Signal"'),
	Buffer.from('{"eventType":"ServerEvent","event":"UserUpdated"'),
];

/** Whether a frame a member received is the flood's (told by its first bytes, as the load generator tells every frame). */
export function isFloodDelivery(data: Buffer): boolean {
	return DELIVERY_PREFIXES.some((p) => data.length >= p.length && data.compare(p, 0, p.length, 0, p.length) === 0);
}

export interface DueFrames {
	/** Frames too late to send: skip them. */
	skip: number;
	/** Frames to send now, after the skipped ones. */
	send: number;
}

/**
 * The frames due at `elapsedMs` from `next` (the first not yet sent or skipped) on, at most
 * `total` in all: the schedule's bound in count.
 */
export function dueFrames(
	elapsedMs: number,
	next: number,
	schedule: { perSecond: number; total: number; maxLateMs: number },
): DueFrames {
	const { perSecond, total, maxLateMs } = schedule;
	if (elapsedMs < 0) return { skip: 0, send: 0 };
	// frames 0 … due-1 are due: frame n at n / perSecond s
	const due = Math.min(total, Math.floor((elapsedMs / 1000) * perSecond) + 1);
	// frames 0 … stale-1 are more than maxLateMs late
	const stale = Math.min(due, Math.max(0, Math.ceil(((elapsedMs - maxLateMs) / 1000) * perSecond)));
	const skip = Math.max(0, stale - next);
	return { skip, send: Math.max(0, due - Math.max(next, stale)) };
}
