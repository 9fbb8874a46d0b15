/** The demo page's DOM: everything is built with textContent, so no message can inject markup. */
import type { Message, PresenceSnapshot, RoomClientState, User } from "../client";

export interface Elements {
	joinForm: HTMLFormElement;
	roomInput: HTMLInputElement;
	nameInput: HTMLInputElement;
	roomView: HTMLElement;
	roomTitle: HTMLElement;
	/** The MQTT page of the same room, as the same user. */
	switchLink: HTMLAnchorElement;
	status: HTMLElement;
	roster: HTMLUListElement;
	rosterCount: HTMLElement;
	messages: HTMLOListElement;
	sendForm: HTMLFormElement;
	input: HTMLInputElement;
	notice: HTMLElement;
	typing: HTMLElement;
}

/** A page's element of an id and a type; a page without it is a broken page. */
export function elementOf<T extends HTMLElement>(doc: Document, id: string, type: { new (): T }): T {
	const element = doc.getElementById(id);
	if (!(element instanceof type)) throw new Error(`the page has no #${id}`);
	return element;
}

export function findElements(doc: Document): Elements {
	const get = <T extends HTMLElement>(id: string, type: { new (): T }) => elementOf(doc, id, type);
	return {
		joinForm: get("join", HTMLFormElement),
		roomInput: get("join-room", HTMLInputElement),
		nameInput: get("join-name", HTMLInputElement),
		roomView: get("room", HTMLElement),
		roomTitle: get("room-title", HTMLElement),
		switchLink: get("switch-link", HTMLAnchorElement),
		status: get("status", HTMLElement),
		roster: get("roster", HTMLUListElement),
		rosterCount: get("roster-count", HTMLElement),
		messages: get("messages", HTMLOListElement),
		sendForm: get("send", HTMLFormElement),
		input: get("send-input", HTMLInputElement),
		notice: get("notice", HTMLElement),
		typing: get("typing", HTMLElement),
	};
}

const STATE_LABELS: Record<RoomClientState, string> = {
	connecting: "connecting…",
	registered: "online",
	reconnecting: "reconnecting…",
	unregistered: "not in the room",
	closed: "disconnected",
};

export function showState(elements: Elements, state: RoomClientState): void {
	elements.status.dataset.state = state;
	elements.status.textContent = STATE_LABELS[state];
}

/** The status a page sets in its user's meta: away while the tab is hidden. */
export type PresenceStatus = "here" | "away";

export function showRoster(elements: Elements, presence: PresenceSnapshot, selfId: string | undefined): void {
	elements.roster.replaceChildren(...presence.users.map((user) => rosterItem(user, user.userId === selfId)));
	// The room's count: leave grace included, and right even where no roster is kept.
	elements.rosterCount.textContent = String(presence.userCount);
}

function rosterItem(user: User, isSelf: boolean): HTMLLIElement {
	const item = document.createElement("li");
	item.dataset.userId = user.userId;
	const name = document.createElement("span");
	name.className = "name";
	name.textContent = isSelf ? `${user.name} (you)` : user.name;
	item.append(name);
	if (user.meta.status === "away") {
		item.classList.add("away");
		item.append(note("status", "away"));
	}
	if (user.connections > 1) item.append(note("tabs", `${user.connections} tabs`));
	return item;
}

function note(className: string, text: string): HTMLSpanElement {
	const span = document.createElement("span");
	span.className = className;
	span.textContent = text;
	return span;
}

/** The text a message shows: a string as is, `{text}` as its text, anything else as JSON. */
export function messageText(message: unknown): string {
	if (typeof message === "string") return message;
	if (typeof message === "object" && message !== null && "text" in message && typeof message.text === "string") {
		return message.text;
	}
	return JSON.stringify(message);
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

/** A message row; `sentAt` is undefined while our own send waits for its acknowledgement (see `confirmRow`). */
export function messageRow(options: {
	name: string;
	text: string;
	sentAt: number | undefined;
	mine: boolean;
	to?: string | undefined;
}): HTMLLIElement {
	const row = document.createElement("li");
	row.className = options.mine ? "message mine" : "message";
	const head = document.createElement("div");
	head.className = "head";
	const name = document.createElement("span");
	name.className = "from";
	name.textContent = options.to ? `${options.name} → ${options.to}` : options.name;
	const time = document.createElement("time");
	if (options.sentAt !== undefined) {
		time.dateTime = new Date(options.sentAt).toISOString();
		time.textContent = timeFormat.format(options.sentAt);
	} else {
		time.textContent = "sending…";
	}
	head.append(name, time);
	const body = document.createElement("div");
	body.className = "text";
	body.textContent = options.text;
	row.append(head, body);
	return row;
}

export function confirmRow(row: HTMLLIElement, message: Pick<Message, "seq" | "id" | "sentAt">): void {
	row.dataset.seq = String(message.seq);
	row.dataset.id = message.id;
	const time = row.querySelector("time");
	if (time) {
		time.dateTime = new Date(message.sentAt).toISOString();
		time.textContent = timeFormat.format(message.sentAt);
	}
}

export function failRow(row: HTMLLIElement, reason: string): void {
	row.classList.add("failed");
	const time = row.querySelector("time");
	if (time) time.textContent = `not sent: ${reason}`;
}

/** Appends a row, keeping the view at the bottom if it was there. */
export function appendRow(elements: Pick<Elements, "messages">, row: HTMLLIElement): void {
	const list = elements.messages;
	const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
	list.append(row);
	if (atBottom) list.scrollTop = list.scrollHeight;
}

export function showNotice(elements: Pick<Elements, "notice">, text: string, code = ""): void {
	elements.notice.textContent = text;
	elements.notice.hidden = text === "";
	elements.notice.dataset.code = code;
}
