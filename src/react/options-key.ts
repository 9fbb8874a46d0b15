/**
 * A stable key for a room's options: equal options give equal keys whatever their object
 * identity or key order, so a component re-rendering with `{ meta: { … } }` written inline keeps
 * its client. Functions (a token getter, a clock) and the WebSocket class are not part of the key:
 * they are taken from the render that creates the client.
 */
import type { RoomClientOptions } from "../client/types";

function canonical(value: unknown): unknown {
	if (typeof value === "function") return "[function]";
	if (Array.isArray(value)) return value.map(canonical);
	if (typeof value === "object" && value !== null) {
		const sorted: Record<string, unknown> = {};
		for (const key of Object.keys(value).sort()) {
			const field = (value as Record<string, unknown>)[key];
			if (field !== undefined) sorted[key] = canonical(field);
		}
		return sorted;
	}
	return value;
}

export function optionsKey(options: RoomClientOptions): string {
	const { WebSocket: _socketClass, ...keyed } = options;
	return JSON.stringify(canonical(keyed));
}
