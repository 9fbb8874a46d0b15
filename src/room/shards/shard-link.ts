/**
 * A shard's link to its room's root: the epoch it runs as and the calls it makes. The epoch lives
 * in its sockets' attachments, so it survives hibernation (the sockets do) and not a restart (they
 * do not): another epoch tells the root exactly that this shard's connections are gone. The root
 * is found in the namespace this object itself belongs to, whatever the Worker calls the binding.
 */
import { Connection } from "../connection";
import type { Room } from "../room";
import type { FillAnswer, ReportsAnswer, RootCalls, ShardReportBatch } from "./calls";
import { type ObjectRole, ROOT_SHARD, shardObjectName } from "./names";
import type { Confirmation } from "./placement";

/** The namespace bound in `env` that `id` belongs to (an id names one object of one namespace). */
export function ownNamespace(env: unknown, name: string, id: DurableObjectId): DurableObjectNamespace | undefined {
	for (const value of Object.values(env as Record<string, unknown>)) {
		// Asked by tag, never by property: any property of a service binding is an RPC method.
		if (Object.prototype.toString.call(value) !== "[object DurableObjectNamespace]") continue;
		const namespace = value as DurableObjectNamespace;
		if (namespace.idFromName(name).equals(id)) return namespace;
	}
	return undefined;
}

/**
 * Tests only: the variable naming another Durable Object binding of `Room` that reaches a room's
 * shards (`TEST_SHARDS_BINDING`) or its root (`TEST_ROOT_BINDING`) instead of the object's own
 * namespace, so that a benchmark runs roots and shards in two workerd processes (two `wrangler
 * dev` sessions of the same code, bound through the dev registry). No deployment sets them.
 */
export const TEST_SHARDS_BINDING = "TEST_SHARDS_BINDING";
export const TEST_ROOT_BINDING = "TEST_ROOT_BINDING";

/** The namespace bound under the name `env[variable]` holds, if that variable is set. */
export function testNamespace(env: unknown, variable: string): DurableObjectNamespace | undefined {
	const bindings = env as Record<string, unknown>;
	const name = bindings[variable];
	if (typeof name !== "string" || name === "") return undefined;
	const value = bindings[name];
	if (Object.prototype.toString.call(value) !== "[object DurableObjectNamespace]") {
		throw new Error(`${variable} names ${name}, which is no Durable Object binding`);
	}
	return value as DurableObjectNamespace;
}

export class ShardLink {
	readonly #role: ObjectRole;
	readonly #sockets: () => WebSocket[];
	readonly #namespace: () => DurableObjectNamespace | undefined;
	#epoch: string | undefined;

	constructor(role: ObjectRole, sockets: () => WebSocket[], namespace: () => DurableObjectNamespace | undefined) {
		this.#role = role;
		this.#sockets = sockets;
		this.#namespace = namespace;
	}

	get shard(): number {
		return this.#role.shard;
	}

	/** The epoch this shard runs as: its sockets', or a new one when it holds none. */
	get epoch(): string {
		if (this.#epoch === undefined) {
			for (const ws of this.#sockets()) {
				const epoch = Connection.restore(ws)?.epoch;
				if (epoch !== undefined) {
					this.#epoch = epoch;
					break;
				}
			}
			this.#epoch ??= crypto.randomUUID();
		}
		return this.#epoch;
	}

	/** Asks the root to confirm a ticket; a confirmed place is one more connection the root counts here. */
	confirm(ticket: string, connectionId: string, userId?: string): Promise<Confirmation> {
		return this.#root().confirmTicket(this.shard, this.epoch, ticket, connectionId, userId);
	}

	/** Sends the root a batch of reports (applied once, whatever the number of times it is sent). */
	reports(batch: ShardReportBatch): Promise<ReportsAnswer> {
		return this.#root().reports(this.shard, this.epoch, batch);
	}

	/** Asks the root for the messages of a hole in this shard's stream. */
	fill(first: number, last: number): Promise<FillAnswer> {
		return this.#root().fill(this.shard, this.epoch, first, last);
	}

	/** A connection's attachment carries the epoch, which a shard woken by the close of its last socket finds nowhere else. */
	learnEpoch(connection: Connection): void {
		this.#epoch ??= connection.epoch;
	}

	#root(): RootCalls {
		const namespace = this.#namespace();
		if (!namespace) throw new Error("no Durable Object namespace in the environment holds this shard");
		const name = shardObjectName(this.#role.room, ROOT_SHARD);
		return (namespace as DurableObjectNamespace<Room<unknown>>).get(namespace.idFromName(name)) as unknown as RootCalls;
	}
}
