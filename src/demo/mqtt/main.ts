/**
 * The MQTT demo page at `/mqtt` (public/mqtt.html): the chat's room over MQTT 3.1.1, with MQTT.js in the browser.
 * Opened as the chat is (`?room=NAME&user=ID`, or `&token=JWT`; `&keep=1` keeps the session), it
 * subscribes `messages`, `messages/USER`, `signals` and `presence`, and publishes what the chat
 * sends (a message's text, `{typing}` signals), so both pages show the same room the same way.
 */
import mqtt, { type IConnackPacket, type MqttClient } from "mqtt";
import { isValidRoomName } from "../../protocol";
import { pageIdentity } from "../identity";
import { TypingNotice } from "../typing";
import { showNotice } from "../view";
import { MessageList } from "./messages";
import { readCounts, readMessage, readSignal, refusalText, roomSubscriptions, textPayload } from "./payloads";
import { clientIdFor, connectOptions, type MqttPageIdentity, mqttUrl, tabSuffix } from "./session";
import { LatestWithin, TYPING_THROTTLE_MS, typingPayload } from "./typing";
import { findMqttElements, type MqttElements, showCounts, showMqttState, showSession } from "./view";

function main(): void {
	const elements = findMqttElements(document);
	const params = new URLSearchParams(location.search);
	const room = params.get("room");
	const identity = pageIdentity(params);
	if (room && identity && isValidRoomName(room)) {
		showRoom(elements, room);
		if (identity.ok) join(elements, { room, userId: identity.userId, token: identity.token }, identity.name);
		else showNotice(elements, identity.problem, "BAD_TOKEN");
		return;
	}
	elements.roomInput.value = room ?? "lobby";
	elements.nameInput.value = params.get("user") ?? "";
	elements.joinForm.hidden = false;
	elements.joinForm.addEventListener("submit", (event) => {
		event.preventDefault();
		const next = new URLSearchParams({ room: elements.roomInput.value.trim(), user: elements.nameInput.value.trim() });
		if (elements.keepInput.checked) next.set("keep", "1");
		location.search = next.toString();
	});
}

function showRoom(elements: MqttElements, room: string): void {
	document.title = `${room} · MQTT · edge-rooms`;
	elements.roomTitle.textContent = room;
	elements.roomView.hidden = false;
	// The chat page of the same room, as the same user: it reads the same address.
	elements.switchLink.href = `/${location.search}`;
	elements.switchLink.hidden = false;
}

function join(elements: MqttElements, identity: MqttPageIdentity, name: string): void {
	const clientId = clientIdFor(identity.userId, tabSuffix(sessionStorage, identity.room, identity.userId));
	const messages = new MessageList(elements.messages, { userId: identity.userId, name });
	const typing = new TypingNotice(elements.typing, identity.userId);
	let client = open(elements, identity, clientId, messages, typing, keepWanted());
	const typingSignal = new LatestWithin<boolean>(TYPING_THROTTLE_MS, (value) => {
		// Not queued while offline, as the chat drops its signals out of the room: it would arrive stale.
		if (client.connected) client.publish("signals", typingPayload(value), { qos: 0 });
	});

	elements.keepSession.checked = keepWanted();
	elements.keepSession.addEventListener("change", () => {
		const keep = elements.keepSession.checked;
		const params = new URLSearchParams(location.search);
		if (keep) params.set("keep", "1");
		else params.delete("keep");
		history.replaceState(null, "", `?${params}`);
		elements.switchLink.href = `/?${params}`;
		// Clean session is chosen at CONNECT: a DISCONNECT (no will), then a new session with the new choice.
		client.end(false, {}, () => {
			client = open(elements, identity, clientId, messages, typing, keep);
		});
	});

	elements.input.addEventListener("input", () => typingSignal.set(elements.input.value.trim() !== ""));
	elements.sendForm.addEventListener("submit", (event) => {
		event.preventDefault();
		const text = elements.input.value;
		if (text.trim() === "") return;
		elements.input.value = "";
		// QoS 1: acknowledged once stored; MQTT.js keeps it and sends it again after a reconnect.
		client.publish("messages", textPayload(text), { qos: 1 }, messages.sending(text));
		typingSignal.set(false);
	});
	elements.input.focus();
}

function keepWanted(): boolean {
	return new URLSearchParams(location.search).get("keep") === "1";
}

/** One MQTT.js client for one session choice; it reconnects by itself until refused or ended. */
function open(
	elements: MqttElements,
	identity: MqttPageIdentity,
	clientId: string,
	messages: MessageList,
	typing: TypingNotice,
	keep: boolean,
): MqttClient {
	showMqttState(elements, "connecting");
	const client = mqtt.connect(mqttUrl(location, identity.room), connectOptions(identity, clientId, keep));
	// For tests and curious developers: the page's MQTT.js client, in the console.
	(globalThis as { mqttClient?: MqttClient }).mqttClient = client;
	let refused = false;

	client.on("connect", (connack: IConnackPacket) => {
		showMqttState(elements, "registered");
		showSession(elements, clientId, keep, connack.sessionPresent);
		showNotice(elements, "");
		// Every time, a kept session too: subscribing to `presence` is what sends its retained counts.
		const topics = Object.fromEntries(roomSubscriptions(identity.userId).map(([topic, qos]) => [topic, { qos }]));
		client.subscribe(topics, (error, granted) => {
			const refusedTopics = (granted ?? []).filter((grant) => grant.qos === 128).map((grant) => grant.topic);
			if (error) showNotice(elements, `Could not subscribe: ${error.message}`);
			else if (refusedTopics.length > 0) showNotice(elements, `The room refused ${refusedTopics.join(", ")}.`);
		});
	});
	client.on("message", (topic, payload) => {
		const text = payload.toString();
		if (topic === "presence") {
			const counts = readCounts(text);
			if (counts) showCounts(elements, counts);
		} else if (topic === "signals") {
			const signal = readSignal(text);
			if (signal) typing.signaled(signal.from, signal.signal);
		} else {
			const message = readMessage(text);
			if (!message) return;
			typing.stopped(message.from.userId);
			messages.received(message);
		}
	});
	client.on("error", (error: Error & { code?: unknown }) => {
		// A CONNACK refusal carries its return code; MQTT.js does not try again after one.
		if (typeof error.code === "number") {
			refused = true;
			showNotice(elements, refusalText(error.code), `CONNACK_${error.code}`);
			showMqttState(elements, "closed");
		}
	});
	client.on("reconnect", () => showMqttState(elements, "reconnecting"));
	client.on("close", () => {
		const over = refused || client.disconnecting || client.disconnected;
		showMqttState(elements, over ? "closed" : "reconnecting");
		if (!over && !client.connected) showNotice(elements, "Not connected to the room; trying again.");
	});
	return client;
}

main();
