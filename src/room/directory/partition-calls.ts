/**
 * (1.4) The directory partition's calls, as RPC methods of the one `Room` class (the base of its
 * shard calls): a `Room` object named `~directory~k` (partitions.ts) answers them, and any other
 * refuses them. They touch only the partition's own table, never the room parts of the object
 * (which a partition leaves unused: nothing routes a socket or a room request to it).
 */
import { DurableObject } from "cloudflare:workers";
import { clock } from "../../clock";
import { type DirectoryQuery, type DirectoryRoom, isValidRoomName } from "../../protocol";
import { errorDetail } from "../hooks";
import type { DirectoryUpdate } from "./feed-plan";
import { PartitionTable } from "./partition-table";
import { partitionIndexOf, partitionObjectName, partitionOf } from "./partitions";

export abstract class DirectoryPartitionCalls<E> extends DurableObject<E> {
	#table: PartitionTable | undefined;

	/** From a room's root: its snapshot under its version; answers the version the partition now holds for it. */
	directoryUpdate(update: DirectoryUpdate): number {
		return this.#partitionCall("directoryUpdate", update.room, (table, partition) => {
			if (!isValidRoomName(update.room) || partitionOf(update.room) !== partition) {
				throw new Error(`room "${update.room}" does not belong to directory partition ${partition}`);
			}
			return table.apply(update, clock.now());
		});
	}

	/** From the Worker's `GET /rooms`: this partition's first `query.limit` occupied rooms by name. */
	directoryList(query: DirectoryQuery): DirectoryRoom[] {
		return this.#partitionCall("directoryList", undefined, (table) => table.list(query));
	}

	/** Runs a call at a partition; a failure is logged (with the room it was for) and thrown back without its detail. */
	#partitionCall<T>(name: string, room: string | undefined, work: (table: PartitionTable, partition: number) => T): T {
		const objectName = this.ctx.id.name ?? this.ctx.id.toString();
		try {
			const partition = partitionIndexOf(objectName);
			if (partition === undefined) throw new Error(`${name} reached "${objectName}", which is no directory partition`);
			this.#table ??= new PartitionTable(this.ctx.storage.sql);
			return work(this.#table, partition);
		} catch (error) {
			const who = room === undefined ? "" : `room "${room}": `;
			console.error(`${who}directory partition "${objectName}": ${name} failed: ${errorDetail(error)}`);
			throw new Error(`the directory failed to answer ${name}`);
		}
	}
}

/** A partition as its callers see it: every call answers asynchronously. */
export interface DirectoryPartition {
	directoryUpdate(update: DirectoryUpdate): Promise<number>;
	directoryList(query: DirectoryQuery): Promise<DirectoryRoom[]>;
}

/** Partition `partition` of the directory of the rooms in `namespace`. */
export function directoryPartition(namespace: DurableObjectNamespace, partition: number): DirectoryPartition {
	return namespace.get(namespace.idFromName(partitionObjectName(partition))) as unknown as DirectoryPartition;
}
