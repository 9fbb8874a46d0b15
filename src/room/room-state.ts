import type { RoomSettings } from "../settings";
import type { Hub } from "./hub";
import type { RoomStore } from "./store";

/** What the handlers work on: the live room, its durable store and its limits. */
export interface RoomState {
	hub: Hub;
	store: RoomStore;
	settings: RoomSettings;
}
