/**
 * Batched frames (docs/PROTOCOL.md 1.2) as the load generator reads them: a frame that is a JSON
 * array of server frames is cut into its events by their first bytes, without parsing, so that
 * each event is told apart and counted as if it had come alone. No imports, so that the unit
 * tests can load it under any tsconfig.
 */

/** Where each server frame starts, inside a batched frame too (the server encodes `eventType` first). */
const EVENT_START = Buffer.from('{"eventType":"');
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** Whether a frame is a batch (an array), not one server frame (an object). */
export function isBatch(data: Buffer): boolean {
	return data[0] === OPEN_BRACKET;
}

/**
 * A frame's server events: the frame itself, or each element of a batched frame (a JSON array of
 * server frames, `[a,b,c]`), as views of the frame's bytes, without parsing. An element is found
 * by the start of a server frame, which the load generator's payloads never contain.
 */
export function eventsOf(data: Buffer): Buffer[] {
	if (!isBatch(data)) return [data];
	const events: Buffer[] = [];
	let at = data.indexOf(EVENT_START, 1);
	while (at >= 0) {
		const next = data.indexOf(EVENT_START, at + EVENT_START.length);
		// an element ends before the comma ahead of the next one, the last before the closing bracket
		events.push(data.subarray(at, next < 0 ? data.lastIndexOf(CLOSE_BRACKET) : next - 1));
		at = next;
	}
	return events;
}
