/**
 * (1.4) Room events: what a room tells a backend (docs/PROTOCOL.md, "Managing rooms from a
 * backend"), through a signed webhook and/or a Cloudflare Queue. The names, shapes and the
 * signature's headers, shared by the room that writes them and the verifier a backend runs.
 */
import type { LeaveReason } from "./constants";
import type { Message, User } from "./types";

export const RoomEventTypes = {
	roomOccupied: "room.occupied",
	roomVacated: "room.vacated",
	userJoined: "user.joined",
	userLeft: "user.left",
	messageCreated: "message.created",
} as const;

export type RoomEventType = (typeof RoomEventTypes)[keyof typeof RoomEventTypes];

/** Each type's `data`. */
export interface RoomEventData {
	"room.occupied": { userCount: number };
	"room.vacated": Record<string, never>;
	"user.joined": { user: User };
	"user.left": { user: User; reason: LeaveReason };
	"message.created": { message: Message };
}

/** One event of one room, as a webhook's body lists them and a queue message carries one. */
export type RoomEvent = {
	[T in RoomEventType]: {
		/** Unique: a backend deduplicates by it (delivery is at least once). */
		id: string;
		type: T;
		room: string;
		/** The room's events counted from 1 with no gaps (from 1 again after a room that kept nothing). */
		seq: number;
		/** When the change happened, epoch ms. */
		at: number;
		data: RoomEventData[T];
		/** On the first event delivered after some were dropped (`EVENTS_BACKLOG`): how many were lost. */
		dropped?: number;
	};
}[RoomEventType];

/** A webhook request's body: one or more events of one room, in `seq` order. */
export interface RoomEventsBody {
	events: RoomEvent[];
}

/** The Standard Webhooks headers a webhook request carries. */
export const WebhookHeaders = {
	id: "webhook-id",
	timestamp: "webhook-timestamp",
	signature: "webhook-signature",
} as const;

/** The prefix of a secret given as base64 bytes, as Standard Webhooks libraries write it. */
export const WEBHOOK_SECRET_PREFIX = "whsec_";

/** A receiver has this long to answer with a 2xx; anything later is a failure. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/** How far a request's timestamp may be from the receiver's clock before the verifier refuses it. */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

const EVENT_TYPES: ReadonlySet<string> = new Set(Object.values(RoomEventTypes));

export function isRoomEventType(value: unknown): value is RoomEventType {
	return typeof value === "string" && EVENT_TYPES.has(value);
}
