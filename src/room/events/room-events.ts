/**
 * (1.4) A room's events: written to the outbox inside the transaction of the change each reports
 * (a roster change, a stored message), then delivered to every configured sink by its own loop,
 * driven by the room's one alarm. Only a room's root builds one: it alone holds the roster and
 * stores messages, so a room over several objects reports exactly what a room in one would.
 */
import type { RoomsEnv } from "../../env";
import { type Message, type RoomEventType, RoomEventTypes } from "../../protocol";
import type { RoomSettings } from "../../settings";
import type { RosterEvent } from "../presence/presence";
import { type DeliveryOptions, SinkDelivery } from "./delivery";
import { Outbox } from "./outbox";
import { type EventSettings, readEventSettings } from "./settings";
import { type EventSink, queueSink, webhookSink } from "./sinks";

export interface RoomEventsSetup extends Omit<DeliveryOptions, "log"> {
	sql: SqlStorage;
	sinks: readonly EventSink[];
	backlog: number;
	/** Whether stored messages are events too (`EVENTS_MESSAGES`). */
	messages: boolean;
	prepare: () => void;
	prepared: () => boolean;
	/** Keeps the object up for a try on its way. */
	waitUntil: (promise: Promise<unknown>) => void;
	log: (text: string) => void;
}

export class RoomEvents {
	readonly #setup: RoomEventsSetup;
	readonly #outbox: Outbox;
	readonly #deliveries: SinkDelivery[];

	constructor(setup: RoomEventsSetup) {
		this.#setup = setup;
		this.#outbox = new Outbox({ ...setup, sinks: setup.sinks.map((sink) => sink.name) });
		const log = (text: string) => setup.log(`room "${setup.room()}": ${text}`);
		this.#deliveries = setup.sinks.map((sink) => new SinkDelivery(sink, this.#outbox, { ...setup, log }));
	}

	/** Whether stored messages are reported (`message.created`). */
	get reportsMessages(): boolean {
		return this.#setup.messages;
	}

	/**
	 * A user joined or left the roster, which now holds `userCount` users: inside the roster's
	 * transaction. The room's first user is `room.occupied` before its `user.joined`; its last,
	 * `room.vacated` after its `user.left`.
	 */
	rosterChanged(change: RosterEvent, userCount: number): void {
		if ("joined" in change) {
			if (userCount === 1) this.#write(RoomEventTypes.roomOccupied, { userCount });
			this.#write(RoomEventTypes.userJoined, { user: change.joined });
		} else {
			this.#write(RoomEventTypes.userLeft, { user: change.left, reason: change.reason });
			if (userCount === 0) this.#write(RoomEventTypes.roomVacated, {});
		}
	}

	/** A message was stored: inside its transaction. */
	messageStored(message: Message): void {
		if (this.#setup.messages) this.#write(RoomEventTypes.messageCreated, { message });
	}

	/** Whether events wait for a sink (or drops to be reported): the room keeps its storage. */
	get undelivered(): boolean {
		return this.#outbox.undelivered;
	}

	/** After every event the room handles: each sink with events due starts a try. */
	afterEvent(): void {
		const now = this.#setup.now();
		for (const delivery of this.#deliveries) {
			const started = delivery.start(now);
			if (started) this.#setup.waitUntil(started);
		}
	}

	/** When the room's alarm must run for its events, if ever. */
	wakeAt(): number | undefined {
		let earliest: number | undefined;
		for (const delivery of this.#deliveries) {
			const at = delivery.wakeAt();
			if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at;
		}
		return earliest;
	}

	/** The room's storage was deleted: its events start again from seq 1. */
	forget(): void {
		this.#outbox.forget();
	}

	#write(type: RoomEventType, data: object): void {
		this.#outbox.write(`evt_${crypto.randomUUID()}`, type, this.#setup.now(), JSON.stringify(data));
	}
}

/** The sinks the settings configure (none: the room writes no events). */
export function configuredSinks(settings: EventSettings): EventSink[] {
	const sinks: EventSink[] = [];
	if (settings.webhook) sinks.push(webhookSink(settings.webhook.url, settings.webhook.secret));
	if (settings.queue) sinks.push(queueSink(settings.queue));
	return sinks;
}

/** A room's events, or undefined when no sink is configured. */
export function buildRoomEvents(
	env: RoomsEnv,
	settings: RoomSettings,
	setup: Omit<RoomEventsSetup, "sinks" | "backlog" | "messages">,
): RoomEvents | undefined {
	const events = readEventSettings(env, setup.log);
	const sinks = configuredSinks(events);
	if (sinks.length === 0) return undefined;
	return new RoomEvents({ ...setup, sinks, backlog: settings.eventsBacklog, messages: events.messages });
}
