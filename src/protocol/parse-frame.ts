/**
 * The one function that turns a text frame into a checked client frame or a protocol error,
 * naming the first problem found and echoing `requestId` whenever the frame carried a valid one.
 */
import * as v from "valibot";
import { type ClientFrame, clientEventSchemas, isClientEventName } from "./client-events";
import { CLIENT_EVENT_TYPE, type ErrorCode, ErrorCodes } from "./constants";
import { isJsonObject, issueText, RequestIdSchema } from "./schemas";

const ENVELOPE_KEYS = new Set(["eventType", "event", "requestId", "requestData"]);

export type ParsedFrame =
	| { ok: true; frame: ClientFrame }
	| { ok: false; code: ErrorCode; message: string; requestId?: string };

/**
 * The requestId of a frame too large to parse, when it stands near the start of the frame
 * (as clients that build frames in the contract's field order put it); otherwise undefined.
 */
export function requestIdAtHead(text: string): string | undefined {
	const head = /^\s*\{\s*(?:"(?:eventType|event)"\s*:\s*"[^"\\]{0,64}"\s*,\s*)*"requestId"\s*:\s*"([^"\\]{0,64})"/.exec(
		text.slice(0, 512),
	);
	const candidate = head?.[1];
	return candidate !== undefined && v.is(RequestIdSchema, candidate) ? candidate : undefined;
}

/**
 * Checks one text frame. The error names the first problem found and echoes `requestId`
 * whenever the frame carried a valid one.
 */
export function parseClientFrame(text: string): ParsedFrame {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		return { ok: false, code: ErrorCodes.BAD_JSON, message: "frame is not valid JSON" };
	}
	return parseClientValue(value);
}

/** A refusal, echoing `requestId` when the frame carried a valid one. Module level: every frame passes here. */
function bad(message: string, requestId?: string, code: ErrorCode = ErrorCodes.BAD_REQUEST): ParsedFrame {
	return requestId === undefined ? { ok: false, code, message } : { ok: false, code, message, requestId };
}

export function parseClientValue(value: unknown): ParsedFrame {
	if (!isJsonObject(value)) return bad("frame must be a JSON object");

	let requestId: string | undefined;
	if (value.requestId !== undefined) {
		const checked = v.safeParse(RequestIdSchema, value.requestId);
		if (!checked.success) return bad(issueText(checked.issues));
		requestId = checked.output;
	}
	for (const key of Object.keys(value)) {
		if (!ENVELOPE_KEYS.has(key)) return bad(`unknown field "${key}"`, requestId);
	}
	if (value.eventType !== CLIENT_EVENT_TYPE) return bad(`eventType must be "${CLIENT_EVENT_TYPE}"`, requestId);
	const event = value.event;
	if (typeof event !== "string") return bad("event must be a string", requestId);
	if (!isClientEventName(event))
		return bad(`unknown event "${event.slice(0, 64)}"`, requestId, ErrorCodes.UNKNOWN_EVENT);

	const rawData = value.requestData === undefined ? {} : value.requestData;
	if (!isJsonObject(rawData)) return bad("requestData must be a JSON object", requestId);
	const checked = v.safeParse(clientEventSchemas[event], rawData);
	if (!checked.success) return bad(issueText(checked.issues), requestId);
	// The table pairs each event with its schema; TypeScript cannot follow that through `event`.
	const frame = { eventType: CLIENT_EVENT_TYPE, event, requestData: checked.output } as ClientFrame;
	if (requestId !== undefined) frame.requestId = requestId;
	return { ok: true, frame };
}
