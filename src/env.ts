/** The Worker's environment: its bindings and variables, declared once for the Worker and the rooms. */
import type { Room } from "./room/room";

export interface Env {
	ROOMS: DurableObjectNamespace<Room>;
	ASSETS?: Fetcher;
	MAX_MESSAGE_BYTES?: string;
	MAX_CONNECTIONS?: string;
	SHARD_CONNECTIONS?: string;
	RATE_LIMIT?: string;
	HISTORY_LIMIT?: string;
	IDLE_SWEEP_SECONDS?: string;
	MAX_CONNECTIONS_PER_USER?: string;
	MAX_BUFFERED_BYTES?: string;
	LEAVE_GRACE_SECONDS?: string;
	PRESENCE_BATCH_MS?: string;
	ROOM_DELIVERY_RATE?: string;
	BATCH_MS?: string;
	AUTH_SECRET?: string;
	ALLOWED_ORIGINS?: string;
	PUBLISH_KEY?: string;
	/** (1.4) Room events: see src/room/events/settings.ts. */
	WEBHOOK_URL?: string;
	WEBHOOK_SECRET?: string;
	EVENTS_MESSAGES?: string;
	EVENTS_BACKLOG?: string;
	EVENTS_QUEUE?: Queue;
}

/** The variables the rooms read, every one optional: a Worker's own `Env` that sets some of them fits. */
export type RoomsEnv = Omit<Env, "ROOMS" | "ASSETS">;
