/**
 * The client events, one table: each event's name maps to the schema of its `requestData`.
 * The frame type and the parser are derived from it, and the room's handler record is keyed by
 * the same names, so adding an event means its name (constants.ts), its schema here, its
 * handler, and the client's side.
 */
import * as v from "valibot";
import {
	type CLIENT_EVENT_TYPE,
	type ClientEventName,
	ClientEvents,
	Limits,
	type PresenceMode,
	PresenceModes,
} from "./constants";
import { boundedString, jsonValue, MetaSchema, SeqSchema, UserIdSchema } from "./schemas";

const PRESENCE_MODES = Object.values(PresenceModes) as PresenceMode[];

export const clientEventSchemas = {
	[ClientEvents.Register]: v.strictObject({
		userId: v.optional(UserIdSchema),
		name: v.optional(boundedString("name", Limits.nameMaxLength)),
		meta: v.optional(MetaSchema),
		since: v.optional(SeqSchema),
		presence: v.optional(v.picklist(PRESENCE_MODES, `presence must be one of ${PRESENCE_MODES.join(", ")}`)),
		batch: v.optional(v.boolean("batch must be true or false")),
	}),
	[ClientEvents.SendMessage]: v.strictObject({
		message: v.pipe(v.unknown(), jsonValue("message")),
		to: v.optional(boundedString("to", Limits.idMaxLength)),
		clientMessageId: v.optional(boundedString("clientMessageId", Limits.idMaxLength)),
	}),
	[ClientEvents.Unregister]: v.strictObject({}),
	[ClientEvents.UpdateUser]: v.pipe(
		v.strictObject({
			name: v.optional(boundedString("name", Limits.nameMaxLength)),
			meta: v.optional(MetaSchema),
		}),
		v.check((data) => data.name !== undefined || data.meta !== undefined, "UpdateUser needs name or meta"),
	),
	[ClientEvents.Signal]: v.strictObject({
		signal: v.pipe(v.unknown(), jsonValue("signal")),
		to: v.optional(boundedString("to", Limits.idMaxLength)),
	}),
} as const satisfies Record<ClientEventName, v.GenericSchema>;

/** The checked `requestData` of each client event. */
export type ClientEventData = { [E in ClientEventName]: v.InferOutput<(typeof clientEventSchemas)[E]> };

export type RegisterData = ClientEventData["Register"];
export type SendMessageData = ClientEventData["SendMessage"];
export type UnregisterData = ClientEventData["Unregister"];
export type UpdateUserData = ClientEventData["UpdateUser"];
export type SignalRequestData = ClientEventData["Signal"];

/** A checked client frame; `ClientFrame<E>` is one event's, `ClientFrame` any of them. */
export type ClientFrame<E extends ClientEventName = ClientEventName> = {
	[K in E]: {
		eventType: typeof CLIENT_EVENT_TYPE;
		event: K;
		requestId?: string;
		requestData: ClientEventData[K];
	};
}[E];

export function isClientEventName(name: string): name is ClientEventName {
	return Object.hasOwn(clientEventSchemas, name);
}
