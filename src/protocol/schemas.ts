/**
 * Schemas for everything a client sends, and the one function that turns a text frame
 * into a checked request or a protocol error. Every field is checked; unknown fields are
 * refused so that a typo is reported instead of silently ignored.
 */
import * as v from "valibot";
import { CLIENT_EVENT_TYPE, ClientEvents, type ErrorCode, ErrorCodes, Limits } from "./constants";
import { jsonValueProblem } from "./json-value";
import type { ClientFrame, JsonObject } from "./types";

/** UTF-8 length of a string without allocating an encoded copy. */
export function utf8ByteLength(text: string): number {
	let bytes = 0;
	for (let i = 0; i < text.length; i++) {
		const unit = text.charCodeAt(i);
		if (unit < 0x80) bytes += 1;
		else if (unit < 0x800) bytes += 2;
		else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
			const next = text.charCodeAt(i + 1);
			if (next >= 0xdc00 && next <= 0xdfff) {
				bytes += 4;
				i++;
			} else bytes += 3;
		} else bytes += 3;
	}
	return bytes;
}

export function isJsonObject(value: unknown): value is JsonObject {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Lone UTF-16 surrogates would not survive storage as text (they become U+FFFD), so they are refused. */
const wellFormed = (field: string) =>
	v.check((text: string) => text.isWellFormed(), `${field} must be well-formed Unicode (no lone surrogates)`);

export const boundedString = (field: string, max: number) =>
	v.pipe(
		v.string(`${field} must be a string`),
		v.minLength(1, `${field} must not be empty`),
		v.maxLength(max, `${field} must be at most ${max} characters`),
		wellFormed(field),
	);

export const UserIdSchema = boundedString("userId", Limits.idMaxLength);
export const RequestIdSchema = v.pipe(
	v.string("requestId must be a string"),
	v.maxLength(Limits.idMaxLength, `requestId must be at most ${Limits.idMaxLength} characters`),
	wellFormed("requestId"),
);

/** A client-supplied JSON value within the contract's depth and number range. */
export const jsonValue = (field: string) =>
	v.rawCheck<unknown>(({ dataset, addIssue }) => {
		const problem = dataset.typed ? jsonValueProblem(dataset.value) : undefined;
		if (problem) addIssue({ message: `${field} ${problem}` });
	});

const MetaSchema = v.pipe(
	v.custom<JsonObject>(isJsonObject, "meta must be a JSON object"),
	v.rawCheck<JsonObject>(({ dataset, addIssue }) => {
		if (!dataset.typed) return;
		// Depth first: measuring the size means encoding, which a hostile depth must not reach.
		const problem = jsonValueProblem(dataset.value);
		if (problem) addIssue({ message: `meta ${problem}` });
		else if (utf8ByteLength(JSON.stringify(dataset.value)) > Limits.metaMaxBytes) {
			addIssue({ message: `meta must be at most ${Limits.metaMaxBytes} bytes as JSON` });
		}
	}),
);

const SeqSchema = v.pipe(
	v.number("since must be a number"),
	v.integer("since must be an integer"),
	v.minValue(0, "since must be >= 0"),
	v.maxValue(Number.MAX_SAFE_INTEGER, "since is too large"),
);

export const RegisterDataSchema = v.strictObject({
	userId: v.optional(UserIdSchema),
	name: v.optional(boundedString("name", Limits.nameMaxLength)),
	meta: v.optional(MetaSchema),
	since: v.optional(SeqSchema),
});

export const SendMessageDataSchema = v.strictObject({
	message: v.pipe(v.unknown(), jsonValue("message")),
	to: v.optional(boundedString("to", Limits.idMaxLength)),
	clientMessageId: v.optional(boundedString("clientMessageId", Limits.idMaxLength)),
});

export const UnregisterDataSchema = v.strictObject({});

const requestDataSchemas = {
	[ClientEvents.Register]: RegisterDataSchema,
	[ClientEvents.SendMessage]: SendMessageDataSchema,
	[ClientEvents.Unregister]: UnregisterDataSchema,
} as const;

const ENVELOPE_KEYS = new Set(["eventType", "event", "requestId", "requestData"]);

export type ParsedFrame =
	| { ok: true; frame: ClientFrame }
	| { ok: false; code: ErrorCode; message: string; requestId?: string };

export function issueText(issues: [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]]): string {
	const issue = issues[0];
	const key = issue.path?.map((item) => String(item.key)).join(".");
	// Valibot reports both a missing and an unknown key as an invalid key; say which it is.
	if (issue.kind === "schema" && issue.message.startsWith("Invalid key") && key) {
		return issue.expected === "never" ? `unknown field "${key}"` : `${key} is required`;
	}
	return issue.message;
}

function isClientEventName(name: string): name is keyof typeof requestDataSchemas {
	return Object.hasOwn(requestDataSchemas, name);
}

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

export function parseClientValue(value: unknown): ParsedFrame {
	const bad = (message: string, requestId?: string, code: ErrorCode = ErrorCodes.BAD_REQUEST): ParsedFrame =>
		requestId === undefined ? { ok: false, code, message } : { ok: false, code, message, requestId };

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
	const frameOf = <D>(schema: v.GenericSchema<unknown, D>): { ok: true; data: D } | ParsedFrame => {
		const checked = v.safeParse(schema, rawData);
		return checked.success ? { ok: true, data: checked.output } : bad(issueText(checked.issues), requestId);
	};
	const envelope: { eventType: typeof CLIENT_EVENT_TYPE; requestId?: string } = {
		eventType: CLIENT_EVENT_TYPE,
		...(requestId === undefined ? {} : { requestId }),
	};
	switch (event) {
		case ClientEvents.Register: {
			const data = frameOf(RegisterDataSchema);
			return "data" in data ? { ok: true, frame: { ...envelope, event, requestData: data.data } } : data;
		}
		case ClientEvents.SendMessage: {
			const data = frameOf(SendMessageDataSchema);
			return "data" in data ? { ok: true, frame: { ...envelope, event, requestData: data.data } } : data;
		}
		case ClientEvents.Unregister: {
			const data = frameOf(UnregisterDataSchema);
			return "data" in data ? { ok: true, frame: { ...envelope, event, requestData: {} } } : data;
		}
	}
}
