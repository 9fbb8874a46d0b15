/** Drawing an event's deliveries on the room's budget, or refusing the event before it changes anything. */
import { clock } from "../clock";
import { ErrorCodes, ProtocolError } from "../protocol";
import type { DeliveryClass } from "./delivery-budget";
import type { RoomState } from "./room-state";

/**
 * Counts `cost` deliveries, or throws `RATE_LIMITED` when the room may not make them now: past its
 * budget, or, for optional load, while it is behind its input (a budget above what this machine
 * delivers cannot hold messages back by itself).
 */
export function spendDeliveries(room: RoomState, cost: number, kind: DeliveryClass): void {
	// Optional load keeps the lag's timer armed; messages alone never need it.
	if (kind === "optional") {
		room.lag.observe();
		if (room.lag.behind()) {
			throw new ProtocolError(
				ErrorCodes.RATE_LIMITED,
				"this room is behind with what its members send; signals and presence changes are dropped until it catches up",
			);
		}
	}
	if (room.budget.draw(cost, kind, clock.now())) return;
	const reserve = kind === "optional" ? " (half of it is kept for messages)" : "";
	throw new ProtocolError(
		ErrorCodes.RATE_LIMITED,
		`this room delivers at most ${room.budget.rate} events a second to its connections${reserve}; this event was dropped`,
	);
}
