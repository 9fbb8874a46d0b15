/**
 * What the room's presence should be, as the protocol describes it and nothing more: a user is
 * the aggregate of their registered connections, live or closed and still in their leave grace.
 * The model-based tests hold the room, and every client's view of it, to this.
 */
import type { JsonObject } from "../../src/protocol";

/** A user as every client shows them. */
export interface ModelUser {
	userId: string;
	name: string;
	meta: JsonObject;
	connections: number;
	joinedAt: number;
}

interface ModelConnection {
	userId: string;
	name: string;
	meta: JsonObject;
	/** When the room registered the connection (its clock, epoch ms). */
	registeredAt: number;
	/** An order of events, not a time: only which came last matters. */
	updatedAt: number;
	/** Set once the connection closed: the room's end of its grace (epoch ms). */
	graceUntil?: number;
}

export type Registration = "joined" | "took a closed connection's place" | "re-registered";

export class PresenceModel {
	readonly #connections = new Map<string, ModelConnection>();
	#order = 0;

	/**
	 * A connection registers; the room says when (`now`). A new one of a user with closed
	 * connections in grace takes the place of the one that registered earliest, and its time: the
	 * connection's registration time as the room should have kept it comes back with what happened.
	 */
	register(
		connectionId: string,
		identity: { userId: string; name: string; meta: JsonObject },
		now: number,
	): { registration: Registration; registeredAt: number } {
		const updatedAt = ++this.#order;
		const current = this.#connections.get(connectionId);
		const place = current ? undefined : this.#placeFor(identity.userId);
		const registeredAt = current?.registeredAt ?? place?.[1].registeredAt ?? now;
		if (place) this.#connections.delete(place[0]);
		this.#connections.set(connectionId, { ...identity, registeredAt, updatedAt });
		const registration = current ? "re-registered" : place ? "took a closed connection's place" : "joined";
		return { registration, registeredAt };
	}

	/** UpdateUser: the user keeps what it shows but the fields given, on every connection (in grace too). */
	update(userId: string, fields: { name?: string; meta?: JsonObject }): void {
		const shown = this.user(userId);
		if (!shown) return;
		const order = ++this.#order;
		for (const [id, connection] of this.#connections) {
			if (connection.userId !== userId) continue;
			this.#connections.set(id, { ...connection, name: shown.name, meta: shown.meta, ...fields, updatedAt: order });
		}
	}

	/** Unregister: the connection leaves at once. */
	unregister(connectionId: string): void {
		this.#connections.delete(connectionId);
	}

	/** A registered connection closed: in grace until `graceUntil`, or gone at once without a grace. */
	close(connectionId: string, graceUntil?: number): void {
		const connection = this.#connections.get(connectionId);
		if (!connection) return;
		if (graceUntil === undefined) this.#connections.delete(connectionId);
		else this.#connections.set(connectionId, { ...connection, graceUntil });
	}

	/** Ends the graces that have ended at `now`; how many did. */
	expire(now: number): number {
		let ended = 0;
		for (const [id, { graceUntil }] of this.#connections) {
			if (graceUntil !== undefined && graceUntil <= now && this.#connections.delete(id)) ended++;
		}
		return ended;
	}

	/** When the graces running now end. */
	graceEnds(): number[] {
		return [...this.#connections.values()].flatMap(({ graceUntil }) => (graceUntil === undefined ? [] : [graceUntil]));
	}

	/** How many closed connections of a user are in their grace. */
	inGrace(userId: string): number {
		let count = 0;
		for (const connection of this.#connections.values()) {
			if (connection.userId === userId && connection.graceUntil !== undefined) count++;
		}
		return count;
	}

	/** Everyone present, by userId: name and meta from the connection updated last, joinedAt the earliest. */
	users(): ModelUser[] {
		const byUser = new Map<string, ModelConnection[]>();
		for (const connection of this.#connections.values()) {
			byUser.set(connection.userId, [...(byUser.get(connection.userId) ?? []), connection]);
		}
		return [...byUser.values()]
			.map((connections) => {
				const latest = connections.reduce((a, b) => (b.updatedAt >= a.updatedAt ? b : a));
				const joinedAt = Math.min(...connections.map((connection) => connection.registeredAt));
				return { ...pickShown(latest), connections: connections.length, joinedAt };
			})
			.sort((a, b) => (a.userId < b.userId ? -1 : 1));
	}

	user(userId: string): ModelUser | undefined {
		return this.users().find((user) => user.userId === userId);
	}

	counts(): { userCount: number; connectionCount: number } {
		return { userCount: this.users().length, connectionCount: this.#connections.size };
	}

	#placeFor(userId: string): [string, ModelConnection] | undefined {
		let place: [string, ModelConnection] | undefined;
		for (const entry of this.#connections) {
			const [, connection] = entry;
			if (connection.userId !== userId || connection.graceUntil === undefined) continue;
			if (!place || connection.registeredAt < place[1].registeredAt) place = entry;
		}
		return place;
	}
}

const pickShown = ({ userId, name, meta }: ModelConnection) => ({ userId, name, meta });
