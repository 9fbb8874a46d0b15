/**
 * The messages a `useRoom` shows: each once (by id), in `seq` order, the latest `limit` of them.
 * History, live messages and our own acknowledged sends all arrive here, in any interleaving.
 */
import type { Message } from "../protocol/types";

export class MessageList {
	readonly #limit: number;
	readonly #ids = new Set<string>();
	#messages: readonly Message[] = [];

	constructor(limit: number) {
		this.#limit = Math.max(1, limit);
	}

	/** An immutable array, replaced on every change (what `useSyncExternalStore` compares). */
	get messages(): readonly Message[] {
		return this.#messages;
	}

	/** Adds a message unless it is already here or older than everything kept; true when it changed the list. */
	add(message: Message): boolean {
		if (this.#ids.has(message.id)) return false;
		const list = this.#messages;
		const oldest = list[0];
		if (list.length >= this.#limit && oldest !== undefined && message.seq < oldest.seq) return false;
		// Almost always the newest: the scan from the end stops at once.
		let at = list.length;
		while (at > 0 && (list[at - 1] as Message).seq > message.seq) at -= 1;
		const next = [...list.slice(0, at), message, ...list.slice(at)];
		const dropped = next.length > this.#limit ? next.splice(0, next.length - this.#limit) : [];
		for (const gone of dropped) this.#ids.delete(gone.id);
		this.#ids.add(message.id);
		this.#messages = next;
		return true;
	}

	/** The room's storage was reset: earlier seqs mean nothing now. */
	clear(): void {
		this.#ids.clear();
		this.#messages = [];
	}
}
