/**
 * (1.3) Upgrades in a room that may spread over objects. The root decides every placement: it
 * takes the connection itself, refuses it, or answers a placement on shard k (a header the Worker
 * follows, never a socket). The shard asks the root to confirm the ticket before it accepts, so
 * that a refusal is still the contract's `503 ROOM_FULL` and the room never holds more than
 * `MAX_CONNECTIONS`.
 */
import { httpErrorResponse } from "../../protocol";
import type { RoomSettings } from "../../settings";
import { acceptUpgrade, type MqttUpgrade, upgradeRefusal } from "../admission";
import { banRefusal } from "../bans";
import { isWebSocketUpgrade, PLACEMENT_HEADER, readVerifiedIdentity, TICKET_HEADER } from "../handoff";
import type { RoomState } from "../room-state";
import type { Confirmation } from "./placement";
import type { RootPlacement } from "./root-placement";
import type { RootUsers } from "./root-users";

/** What an upgrade needs of the object answering it. */
export interface UpgradeContext {
	ctx: DurableObjectState;
	state: RoomState;
	settings: RoomSettings;
	/** The `ConnectionEstablished` frame for a new connection. */
	welcome: ((connectionId: string) => string) | MqttUpgrade;
	now: number;
}

/** The placement the Worker follows: which shard, and the ticket that holds the place there. */
export interface PlacementAnswer {
	shard: number;
	ticket: string;
}

const roomFull = (settings: RoomSettings) =>
	httpErrorResponse("ROOM_FULL", `this room holds at most ${settings.maxConnections} connections`);

/** The root's answer: refused, accepted here, or placed on a shard (status 204, `PLACEMENT_HEADER`). */
export function answerRootUpgrade(
	context: UpgradeContext,
	placement: RootPlacement,
	users: RootUsers,
	request: Request,
): Response {
	const { ctx, state, settings, welcome, now } = context;
	const verified = readVerifiedIdentity(request);
	const elsewhere = (userId: string) => users.count(userId, now, state.store.prepared);
	const refused =
		banRefusal(state.bans, verified, now) ??
		upgradeRefusal(state.hub, settings, verified, request, placement.total(now), elsewhere);
	if (refused) return refused;
	const placed = placement.place(now);
	if (placed.kind === "full") return roomFull(settings);
	if (placed.kind === "root") return acceptUpgrade(ctx, state, verified, welcome);
	if (verified) users.ticketed(placed.ticket, verified.userId, placed.expiresAt);
	const answer: PlacementAnswer = { shard: placed.shard, ticket: placed.ticket };
	return new Response(null, { status: 204, headers: { [PLACEMENT_HEADER]: JSON.stringify(answer) } });
}

/** A room in one object (`SHARD_CONNECTIONS` 0): accepted here or refused. */
export function answerLocalUpgrade(context: UpgradeContext, request: Request): Response {
	const { ctx, state, settings, welcome, now } = context;
	const verified = readVerifiedIdentity(request);
	const refused = banRefusal(state.bans, verified, now) ?? upgradeRefusal(state.hub, settings, verified, request);
	return refused ?? acceptUpgrade(ctx, state, verified, welcome);
}

/** The placement in a root's answer, or undefined for an answer that is the client's (a socket, a refusal). */
export function placementOf(response: Response): PlacementAnswer | undefined {
	const raw = response.headers.get(PLACEMENT_HEADER);
	if (raw === null) return undefined;
	const { shard, ticket } = JSON.parse(raw) as PlacementAnswer;
	if (!Number.isInteger(shard) || shard < 1 || typeof ticket !== "string") {
		throw new Error(`a root answered a placement that is not one: ${raw}`);
	}
	return { shard, ticket };
}

/** What a shard asks of its root. */
export interface RootLink {
	/** The connection it will be (`connectionId`), and its verified user, counted by the root once confirmed. */
	confirm: (ticket: string, connectionId: string, userId?: string) => Promise<Confirmation>;
}

/** A shard's answer: only an upgrade the root placed here, accepted once the root confirms its ticket. */
export async function answerShardUpgrade(
	context: UpgradeContext,
	root: RootLink,
	epoch: string,
	request: Request,
): Promise<Response> {
	const { settings } = context;
	const ticket = request.headers.get(TICKET_HEADER);
	if (ticket === null || !isWebSocketUpgrade(request)) {
		return httpErrorResponse("BAD_REQUEST", "a room's shard takes only upgrades its room placed there");
	}
	// A backstop: the root never places more here, but a shard does not trust a count it cannot see.
	if (context.state.hub.size >= settings.shardConnections) return roomFull(settings);
	const verified = readVerifiedIdentity(request);
	const connectionId = crypto.randomUUID();
	const confirmed = await root.confirm(ticket, connectionId, verified?.userId);
	if (confirmed === "full") return roomFull(settings);
	return acceptUpgrade(context.ctx, context.state, verified, context.welcome, epoch, connectionId);
}
