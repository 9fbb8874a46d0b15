/**
 * (1.3) The calls a room's objects make on each other, as RPC methods of the one `Room` class
 * (its base class, so that they live apart from the Worker's routes). Internal: the Worker never
 * routes to them, and each checks that it reached the right kind of object (RoomObjects throws
 * otherwise). A failure is logged by the object that failed and thrown back without its detail.
 */
import { DirectoryPartitionCalls } from "../directory/partition-calls";
import type { DeliverAnswer, DeliverCall, FillAnswer, ReportsAnswer, ShardReportBatch } from "./calls";
import type { Confirmation } from "./placement";
import type { RoomObjects } from "./room-objects";

export abstract class RoomObjectCalls<E> extends DirectoryPartitionCalls<E> {
	/** Runs one call with this object's parts; logs a failure, then plans the alarm. */
	protected abstract objectCall<T>(name: string, work: (objects: RoomObjects, now: number) => T): Promise<T>;

	/** At the root: shard `shard`, running as `epoch`, asks to take the connection `ticket` held a place for. */
	confirmTicket(
		shard: number,
		epoch: string,
		ticket: string,
		connectionId: string,
		userId?: string,
	): Promise<Confirmation> {
		return this.objectCall("confirmTicket", (objects, now) =>
			objects.confirmTicket({ shard, epoch, ticket, connectionId, userId }, now),
		);
	}

	/** At the root: a shard's numbered batch of its connections' requests and closes. */
	reports(shard: number, epoch: string, batch: ShardReportBatch): Promise<ReportsAnswer> {
		return this.objectCall("reports", (objects, now) => objects.reports(shard, epoch, batch, now));
	}

	/** At the root: the messages of a hole in a shard's stream. */
	fill(shard: number, _epoch: string, first: number, last: number): Promise<FillAnswer> {
		return this.objectCall("fill", (objects) => objects.fill(shard, first, last));
	}

	/** At a shard: the root's stream of messages and signals. */
	deliver(shard: number, call: DeliverCall): Promise<DeliverAnswer> {
		return this.objectCall("deliver", (objects) => objects.deliver(shard, call));
	}
}
