/**
 * (1.3) At a shard, the connections the root unregistered whose streams have not yet caught up
 * with their `Unregister`. The root's reply says where its streams stood (LeaveStamp): what was
 * written before the `Unregister` may still be on its way in a `deliver` call, so the connection
 * hears the stream up to that stamp and nothing after it, and is detached (its `Unregistered`
 * sent, then any reply that came after) once the shard has delivered that far. The stamp lives in
 * the connection's attachment, so an eviction keeps it.
 */
import type { Connection } from "../connection";
import type { Hub } from "../hub";
import type { LeaveStamp } from "./calls";

export class LeavingConnections {
	readonly #hub: Hub;
	readonly #ids = new Set<string>();
	/** Replies that came after a connection's `Unregistered`, sent once it is. */
	readonly #later = new Map<string, (() => void)[]>();

	constructor(hub: Hub) {
		this.#hub = hub;
	}

	/** After an eviction: the connections still waiting, from their attachments. */
	restore(): void {
		for (const connection of this.#hub.connections()) if (connection.leaving) this.#ids.add(connection.id);
	}

	add(connection: Connection, stamp: LeaveStamp, frames: string[]): void {
		connection.leave({ ...stamp, frames });
		this.#ids.add(connection.id);
	}

	forget(connectionId: string): void {
		this.#ids.delete(connectionId);
		this.#later.delete(connectionId);
	}

	/** Runs `reply` now, or after the connection's `Unregistered` if that still waits. */
	after(connection: Connection, reply: () => void): void {
		if (!connection.leaving) {
			reply();
			return;
		}
		const queue = this.#later.get(connection.id) ?? [];
		queue.push(reply);
		this.#later.set(connection.id, queue);
	}

	hearsMessage(connection: Connection, seq: number): boolean {
		const leaving = connection.leaving;
		return !leaving || seq <= leaving.seq;
	}

	hearsSignal(connection: Connection, root: string | undefined, sig: number): boolean {
		const leaving = connection.leaving;
		return !leaving || (leaving.root === root && sig <= leaving.sig);
	}

	hearsRow(connectionId: string, pres: number): boolean {
		const leaving = this.#hub.byId(connectionId)?.leaving;
		return !leaving || pres <= leaving.pres;
	}

	/** A call from another root instance: the signals of the one a stamp names are gone with it. */
	rootChanged(root: string): void {
		for (const connection of this.#waiting())
			if (connection.leaving && connection.leaving.root !== root) connection.leave({ ...connection.leaving, sig: 0 });
	}

	/**
	 * The connections whose stamps the shard's delivery (`at`) reached: detached, sent their
	 * `Unregistered`, then what waited. Whether any was.
	 */
	release(at: LeaveStamp, detach: (connection: Connection) => void): boolean {
		let released = false;
		for (const connection of this.#waiting()) {
			const leaving = connection.leaving;
			if (!leaving || !reached(at, leaving)) continue;
			const later = this.#later.get(connection.id) ?? [];
			this.forget(connection.id);
			detach(connection);
			for (const frame of leaving.frames) this.#hub.reply(connection.socket, frame);
			for (const reply of later) reply();
			released = true;
		}
		return released;
	}

	/** Those still waiting (a connection gone meanwhile is dropped). */
	#waiting(): Connection[] {
		const waiting: Connection[] = [];
		for (const id of this.#ids) {
			const connection = this.#hub.byId(id);
			if (connection?.leaving) waiting.push(connection);
			else this.forget(id);
		}
		return waiting;
	}
}

function reached(at: LeaveStamp, stamp: LeaveStamp): boolean {
	if (at.seq < stamp.seq || at.pres < stamp.pres) return false;
	return stamp.sig === 0 || (at.root === stamp.root && at.sig >= stamp.sig);
}
