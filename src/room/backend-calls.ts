/**
 * (1.4) What a backend may ask of a room besides publishing: remove a user (and ban them), as RPC
 * methods of the one `Room` class (its base class, so that room.ts stays the runtime's entry
 * points). `getRoom(...).remove` and `DELETE /rooms/:room/users/:userId` call them; a refusal is a
 * result with the contract's code, a failure is logged by the room and thrown without its detail.
 */
import type { RemoveResult } from "./removal";
import { RoomObjectCalls } from "./shards/object-calls";

export interface RemoveOptions {
	/** How long the user may not come back, 0–604800 (default 0: no ban). */
	banSeconds?: number;
}

export abstract class RoomBackendCalls<E> extends RoomObjectCalls<E> {
	/**
	 * Closes every connection of `userId` on every object of the room with 4003; the others hear
	 * of it at once (reason `"removed"`). With `banSeconds`, that user cannot come back until then.
	 */
	remove(userId: string, options: RemoveOptions = {}): Promise<RemoveResult> {
		const banSeconds = options.banSeconds ?? 0;
		return this.objectCall("remove", (objects, now) => objects.removeUser(userId, banSeconds, now));
	}
}
