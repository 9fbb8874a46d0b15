/** A small typed event emitter: one listener's exception never stops the others or the client. */

// biome-ignore lint/suspicious/noExplicitAny: listener signatures are given per event by the map.
type ListenerMap = { [event: string]: (...args: any[]) => void };

export class Emitter<Events extends ListenerMap> {
	readonly #listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

	/** Adds a listener; the returned function removes it. */
	on<E extends keyof Events>(event: E, listener: Events[E]): () => void {
		let set = this.#listeners.get(event);
		if (!set) {
			set = new Set();
			this.#listeners.set(event, set);
		}
		set.add(listener);
		return () => {
			set.delete(listener);
		};
	}

	emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): void {
		const set = this.#listeners.get(event);
		if (!set) return;
		for (const listener of [...set]) {
			try {
				listener(...args);
			} catch (error) {
				// A bug in the page's handler must not break delivery to the others.
				console.error(`RoomClient: a "${String(event)}" listener threw`, error);
			}
		}
	}

	clear(): void {
		this.#listeners.clear();
	}
}
