/**
 * The MQTT page's DOM (public/mqtt.html). Message rows, notices and the typing line are the chat
 * page's own (../view.ts, ../typing.ts), so both pages show a room the same way; what differs is
 * the side panel: an MQTT session gets the room's counts, not its roster.
 */
import { elementOf } from "../view";
import type { RoomCounts } from "./payloads";

export interface MqttElements {
	joinForm: HTMLFormElement;
	roomInput: HTMLInputElement;
	nameInput: HTMLInputElement;
	keepInput: HTMLInputElement;
	roomView: HTMLElement;
	roomTitle: HTMLElement;
	switchLink: HTMLAnchorElement;
	status: HTMLElement;
	userCount: HTMLElement;
	connectionCount: HTMLElement;
	keepSession: HTMLInputElement;
	session: HTMLElement;
	messages: HTMLOListElement;
	sendForm: HTMLFormElement;
	input: HTMLInputElement;
	notice: HTMLElement;
	typing: HTMLElement;
}

export function findMqttElements(doc: Document): MqttElements {
	const get = <T extends HTMLElement>(id: string, type: { new (): T }) => elementOf(doc, id, type);
	return {
		joinForm: get("join", HTMLFormElement),
		roomInput: get("join-room", HTMLInputElement),
		nameInput: get("join-name", HTMLInputElement),
		keepInput: get("join-keep", HTMLInputElement),
		roomView: get("room", HTMLElement),
		roomTitle: get("room-title", HTMLElement),
		switchLink: get("switch-link", HTMLAnchorElement),
		status: get("status", HTMLElement),
		userCount: get("roster-count", HTMLElement),
		connectionCount: get("connection-count", HTMLElement),
		keepSession: get("keep-session", HTMLInputElement),
		session: get("session", HTMLElement),
		messages: get("messages", HTMLOListElement),
		sendForm: get("send", HTMLFormElement),
		input: get("send-input", HTMLInputElement),
		notice: get("notice", HTMLElement),
		typing: get("typing", HTMLElement),
	};
}

/** The session's state, in the chat page's `#status` states so the same styles (and tests) apply. */
export type MqttState = "connecting" | "registered" | "reconnecting" | "closed";

const STATE_LABELS: Record<MqttState, string> = {
	connecting: "connecting…",
	registered: "online",
	reconnecting: "reconnecting…",
	closed: "disconnected",
};

export function showMqttState(elements: MqttElements, state: MqttState): void {
	elements.status.dataset.state = state;
	elements.status.textContent = STATE_LABELS[state];
}

export function showCounts(elements: MqttElements, counts: RoomCounts): void {
	elements.userCount.textContent = String(counts.userCount);
	elements.connectionCount.textContent =
		counts.connectionCount === 1 ? "1 connection" : `${counts.connectionCount} connections`;
}

/** Which session this tab holds, and whether the room kept it from before. */
export function showSession(elements: MqttElements, clientId: string, keep: boolean, present: boolean): void {
	const kept = keep ? (present ? "kept, resumed" : "kept") : "clean";
	elements.session.textContent = `client id ${clientId} · session ${kept}`;
	elements.session.dataset.present = String(present);
}
