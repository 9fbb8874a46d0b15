import type { RoomSettings } from "../settings";
import type { RoomBans } from "./bans";
import type { DeliveryBudget } from "./delivery-budget";
import type { RoomEvents } from "./events/room-events";
import type { IncomingMessage } from "./hooks";
import type { Hub } from "./hub";
import type { InputLag } from "./input-lag";
import type { MqttSessions } from "./mqtt/sessions";
import type { RemotePresenceSink } from "./shards/remote-audience";
import type { Member } from "./shards/remote-connection";
import type { RoomStore } from "./store";

/** (1.3) At a root with shards: what its stream to them carries besides the stored messages. */
export interface ShardSignals {
	/** A signal for the shards holding its receivers: `to` a user's, or every registered connection but `except`. */
	signal(frame: string, to: string | undefined, except?: Member): void;
}

/** What the handlers work on: the live room, its durable store, its limits and its load. */
export interface RoomState {
	hub: Hub;
	store: RoomStore;
	/** (1.4) The users a backend banned (at a root; a shard's root decides who enters). */
	bans: RoomBans;
	settings: RoomSettings;
	/** What the room's members together may make it deliver (`ROOM_DELIVERY_RATE`). */
	budget: DeliveryBudget;
	/** Whether the room is behind its input, whatever the budget says. */
	lag: InputLag;
	/**
	 * The room's `onMessage`, run on every message before it is stored: the value to store, or a
	 * `ProtocolError` thrown for the sender.
	 */
	screen: (incoming: Omit<IncomingMessage, "room">) => unknown;
	/** (1.5) The room's persistent MQTT sessions (a root's; a shard forwards its saves). */
	mqttSessions: MqttSessions;
	/** (1.4) A root's events, when a sink is configured. */
	events?: RoomEvents;
	/** (1.3) Set at a root that may place connections on shards. */
	shards?: ShardSignals;
	/** (1.3) Set at a root that may place connections on shards: its presence log. */
	remotePresence?: RemotePresenceSink;
}
