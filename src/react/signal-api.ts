/** The client's signal API as planned (client.signal, the `signal` event), until the client has it. */
import type { RoomClient } from "../client/room-client";
import type { SignalData } from "../protocol/types";

export interface SignalOptions {
	to?: string;
	key?: string;
	throttleMs?: number;
}

export type SignalingClient = RoomClient & {
	signal(value: unknown, options?: SignalOptions): void;
	on(event: "signal", handler: (signal: SignalData) => void): () => void;
};
