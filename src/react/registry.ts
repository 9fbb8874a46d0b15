/**
 * One RoomStore per options key, shared by every component that asks for it and closed when the
 * last one lets go. The close waits a moment: React's StrictMode unmounts and mounts every effect
 * once more in development, and the same client must survive that instead of reconnecting
 * (partysocket's hooks open a second socket there: cloudflare/partykit#336).
 */
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

	/** How many clients are open or closing soon (for tests). */
	get size(): number {
		return this.#entries.size;
	}
}
