/**
 * The MQTT page's message list, in the chat page's rows. MQTT has no reply carrying the stored
 * message, so a message we publish shows as "sending…" until the room sends it back on
 * `messages` (MQTT 3.1.1 gives a subscriber what it published itself), which confirms the row
 * with its time and `seq`. A message that arrives twice (a QoS 1 resend, a resumed session) shows once.
 */
import type { Message } from "../../protocol/types";
import { appendRow, confirmRow, failRow, messageRow, messageText } from "../view";

export class MessageList {
	readonly #list: HTMLOListElement;
	readonly #selfId: string;
	readonly #selfName: string;
	readonly #shown = new Set<string>();
	/** Our rows not yet seen on `messages`, oldest first, with the text each carries. */
	readonly #pending: { text: string; row: HTMLLIElement }[] = [];

	constructor(list: HTMLOListElement, self: { userId: string; name: string }) {
		this.#list = list;
		this.#selfId = self.userId;
		this.#selfName = self.name;
	}

	/** A message from the room, ours included. */
	received(message: Message): void {
		if (this.#shown.has(message.id)) return;
		this.#shown.add(message.id);
		const text = messageText(message.message);
		const mine = message.from.userId === this.#selfId;
		const index = mine && message.to === undefined ? this.#pending.findIndex((sent) => sent.text === text) : -1;
		const pending = index >= 0 ? this.#pending.splice(index, 1)[0] : undefined;
		if (pending) {
			pending.row.classList.remove("pending");
			confirmRow(pending.row, message);
			return;
		}
		const row = messageRow({ name: message.from.name, text, sentAt: message.sentAt, mine, to: message.to });
		confirmRow(row, message);
		appendRow({ messages: this.#list }, row);
	}

	/** A row for a message we publish now; returns what to call with the PUBLISH's outcome. */
	sending(text: string): (error?: Error) => void {
		const row = messageRow({ name: this.#selfName, text, sentAt: undefined, mine: true });
		row.classList.add("pending");
		appendRow({ messages: this.#list }, row);
		const sent = { text, row };
		this.#pending.push(sent);
		return (error) => {
			if (error) {
				const index = this.#pending.indexOf(sent);
				if (index >= 0) this.#pending.splice(index, 1);
				failRow(row, error.message);
				return;
			}
			// Acknowledged (stored, at QoS 1): the echo with its time may still be on its way.
			row.classList.remove("pending");
		};
	}
}
