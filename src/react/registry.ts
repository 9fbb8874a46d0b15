/**
 * One RoomStore per options key, shared by every component that asks for it and closed when the
 * last one lets go. The close waits a moment: React's StrictMode unmounts and mounts every effect
 * once more in development, and the same client must survive that instead of reconnecting
 * (partysocket's hooks open a second socket there: cloudflare/partykit#336).
 */
import type { RoomClientOptions } from "../client/types";
import type { RoomStore } from "./room-store";

interface Entry {
	store: RoomStore;
	holders: number;
	closeTimer: ReturnType<typeof setTimeout> | undefined;
}

export class StoreRegistry {
	readonly #entries = new Map<string, Entry>();
	readonly #closeDelayMs: number;

	constructor(closeDelayMs: number) {
		this.#closeDelayMs = closeDelayMs;
	}

	/** The store for `key`, made (and connected by `create`) if no one holds one. */
	acquire(key: string, create: () => RoomStore): RoomStore {
		let entry = this.#entries.get(key);
		if (!entry) {
			entry = { store: create(), holders: 0, closeTimer: undefined };
			this.#entries.set(key, entry);
		}
		clearTimeout(entry.closeTimer);
		entry.closeTimer = undefined;
		entry.holders += 1;
		return entry.store;
	}

	/** One holder lets go; the last one's release closes the client unless someone acquires it first. */
	release(key: string): void {
		const entry = this.#entries.get(key);
		if (!entry) return;
		entry.holders -= 1;
		if (entry.holders > 0) return;
		entry.closeTimer = setTimeout(() => {
			if (entry.holders > 0 || this.#entries.get(key) !== entry) return;
			this.#entries.delete(key);
			void entry.store.client.close();
		}, this.#closeDelayMs);
	}
}

/**
 * A stable key for a room's options: equal options give equal keys whatever their object
 * identity or key order, so a component re-rendering with `{ meta: { … } }` written inline keeps
 * its client. Functions (a token getter, a clock) and the WebSocket class are not part of the key:
 * they are taken from the render that creates the client.
 */
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
