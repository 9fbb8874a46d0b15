/**
 * The demo page at `/`: pick a room and a name (or open `/?room=NAME&user=ID`, or
 * `/?room=NAME&token=JWT`, to join at once), then see who is online (and who is away), who is
 * typing, the room's history and its live messages.
 */
import { ClientErrorCodes, type Message, RoomClient, RoomError } from "../client";
import { isValidRoomName } from "../protocol";
import { type PageIdentity, pageIdentity } from "./identity";
import { describeProblem } from "./problems";
import { signalTyping, TypingNotice } from "./typing";
import {
	appendRow,
	confirmRow,
	type Elements,
	failRow,
	findElements,
	messageRow,
	messageText,
	type PresenceStatus,
	showNotice,
	showRoster,
	showState,
} from "./view";

function main(): void {
	const elements = findElements(document);
	const params = new URLSearchParams(location.search);
	const room = params.get("room");
	const identity = pageIdentity(params);
	if (room && identity && isValidRoomName(room)) {
		if (identity.ok) {
			join(elements, { room, ...identity });
		} else {
			// A token the room could never accept: say so rather than open sockets it refuses.
			showRoom(elements, room);
			showNotice(elements, identity.problem, "BAD_TOKEN");
		}
		return;
	}
	elements.roomInput.value = room ?? "lobby";
	elements.nameInput.value = params.get("user") ?? "";
	elements.joinForm.hidden = false;
	elements.joinForm.addEventListener("submit", (event) => {
		event.preventDefault();
		const next = new URLSearchParams({ room: elements.roomInput.value.trim(), user: elements.nameInput.value.trim() });
		// Joining is a navigation, so a reload (or a shared link) rejoins the same room as the same user.
		location.search = next.toString();
	});
}

type JoinOptions = Extract<PageIdentity, { ok: true }> & { room: string };

function showRoom(elements: Elements, room: string): void {
	document.title = `${room} · edge-rooms`;
	elements.roomTitle.textContent = room;
	elements.roomView.hidden = false;
	// The same room over MQTT (public/mqtt.html, served at /mqtt), as the same user: it reads the same address.
	elements.switchLink.href = `/mqtt${location.search}`;
	elements.switchLink.hidden = false;
}

function join(elements: Elements, options: JoinOptions): void {
	showRoom(elements, options.room);
	const showProblem = (error: RoomError) =>
		showNotice(
			elements,
			describeProblem(error, {
				room: options.room,
				origin: location.origin,
				claims: options.claims,
				nowSeconds: Date.now() / 1000,
			}),
			error.code,
		);
	const status = (): PresenceStatus => (document.visibilityState === "hidden" ? "away" : "here");
	const client = new RoomClient({
		room: options.room,
		userId: options.userId,
		name: options.name,
		meta: { status: status() },
		...(options.token ? { token: options.token } : {}),
	});
	// For tests and curious developers: the page's client, in the console.
	(globalThis as { roomClient?: RoomClient }).roomClient = client;
	const shown = new Set<string>();
	const typing = new TypingNotice(elements.typing, options.userId);

	const showMessage = (message: Message) => {
		typing.stopped(message.from.userId);
		if (shown.has(message.id)) return;
		shown.add(message.id);
		const row = messageRow({
			name: message.from.name,
			text: messageText(message.message),
			sentAt: message.sentAt,
			mine: message.from.userId === options.userId,
			to: message.to,
		});
		confirmRow(row, message);
		appendRow(elements, row);
	};

	client.on("state", (state) => showState(elements, state));
	// Every presence event carries the whole picture; a reconnect keeps it until the next Registered.
	client.on("presence", (presence) => showRoster(elements, presence, client.self?.userId));
	client.on("message", (message) => showMessage(message));
	client.on("signal", ({ from, signal }) => typing.signaled(from, signal));
	client.on("registered", ({ historyTruncated, reset }) => {
		if (reset) showNotice(elements, "The room was reset; earlier messages are gone.");
		else if (historyTruncated) showNotice(elements, "Older messages are not shown.");
		else showNotice(elements, "");
	});
	client.on("error", showProblem);
	// Out of the room, or closed, there is no one to tell.
	const untold = new Set<string>([ClientErrorCodes.UNREGISTERED, ClientErrorCodes.CLOSED]);
	document.addEventListener("visibilitychange", () => {
		// Merged with any status change still on its way: only the latest one goes.
		client.updateUser({ meta: { status: status() } }).catch((error: unknown) => {
			if (error instanceof RoomError && !untold.has(error.code))
				showNotice(elements, `${error.code}: ${error.message}`);
		});
	});

	// Typing, or clearing what was typed; a sent message says "stopped" below.
	elements.input.addEventListener("input", () => signalTyping(client, elements.input.value.trim() !== ""));

	elements.sendForm.addEventListener("submit", (event) => {
		event.preventDefault();
		const text = elements.input.value;
		if (text.trim() === "") return;
		elements.input.value = "";
		const row = messageRow({ name: options.name, text, sentAt: undefined, mine: true });
		row.classList.add("pending");
		appendRow(elements, row);
		const sent = client.send(text);
		// Replaces a "typing" still waiting for its window: the others' notice must not outlive the message.
		signalTyping(client, false);
		sent.then(
			(ack) => {
				row.classList.remove("pending");
				// One row per message id: if our own message is already on the page, this row gives way.
				if (shown.has(ack.id)) row.remove();
				shown.add(ack.id);
				confirmRow(row, ack);
			},
			(error: unknown) => failRow(row, error instanceof RoomError ? error.code : "error"),
		);
	});

	showState(elements, client.state);
	client.connect().catch((error: unknown) => {
		if (error instanceof RoomError) showProblem(error);
		else showNotice(elements, "could not join");
	});
	elements.input.focus();
}

main();
