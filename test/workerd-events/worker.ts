/**
 * The workerd-events projects' Worker: the standalone Worker and its rooms as they ship, and the
 * consumer of the room events Queue, which records what it receives by room in this module (the
 * tests share it: they run in the same isolate).
 */
import type { Env } from "../../src/env";
import type { RoomEvent } from "../../src/protocol";
import { app } from "../../src/worker/app";

export { Room } from "../../src/room/room";

/** The events each room's queue messages carried, in the order they arrived. */
export const queued = new Map<string, RoomEvent[]>();

export default {
	fetch: app.fetch,
	async queue(batch: MessageBatch<RoomEvent>): Promise<void> {
		for (const message of batch.messages) {
			const event = message.body;
			queued.set(event.room, [...(queued.get(event.room) ?? []), event]);
		}
		batch.ackAll();
	},
} satisfies ExportedHandler<Env, RoomEvent>;
