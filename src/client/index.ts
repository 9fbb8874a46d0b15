/**
 * The browser client library: `import { RoomClient } from "edge-rooms/client"`.
 * Protocol names come from the shared protocol module, types only from the server's side.
 */

export type { ErrorCode, LeaveReason, PresenceMode } from "../protocol/constants";
export type { JsonObject, Message, MessageAckData, SelfUser, SignalData, User } from "../protocol/types";
export type { BackoffOptions } from "./backoff";
export { backoffDelay } from "./backoff";
export { type ClientErrorCode, ClientErrorCodes, type RefusalCode, RoomError } from "./errors";
export type { PaceOptions } from "./pacer";
export { RoomClient } from "./room-client";
export { type ClientSettings, DEFAULT_OPTIONS } from "./settings";
export type {
	Departure,
	PresenceChange,
	PresenceSnapshot,
	RegisteredInfo,
	RoomClientEvents,
	RoomClientOptions,
	RoomClientState,
	SendOptions,
	SignalOptions,
	SignalOutcome,
	UserFields,
} from "./types";
