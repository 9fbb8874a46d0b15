/**
 * The schemas of the fields a client sends, shared by every client event and HTTP body. Every
 * field is checked; unknown fields are refused so that a typo is reported, not ignored.
 */
import * as v from "valibot";
import { Limits } from "./constants";
import { jsonValueProblem } from "./json-value";
import type { JsonObject } from "./types";

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

/**
 * A client-supplied JSON value within the contract's depth and number range. A `check`, not a
 * `rawCheck`: every message and signal passes here, and a `rawCheck` builds a closure per value.
 */
export const jsonValue = (field: string) =>
	v.check(
		(value: unknown) => jsonValueProblem(value) === undefined,
		(issue: v.CheckIssue<unknown>) => `${field} ${jsonValueProblem(issue.input)}`,
	);

export const MetaSchema = v.pipe(
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

export const SeqSchema = v.pipe(
	v.number("since must be a number"),
	v.integer("since must be an integer"),
	v.minValue(0, "since must be >= 0"),
	v.maxValue(Number.MAX_SAFE_INTEGER, "since is too large"),
);

export function issueText(issues: [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]]): string {
	const issue = issues[0];
	const key = issue.path?.map((item) => String(item.key)).join(".");
	// Valibot reports both a missing and an unknown key as an invalid key; say which it is.
	if (issue.kind === "schema" && issue.message.startsWith("Invalid key") && key) {
		return issue.expected === "never" ? `unknown field "${key}"` : `${key} is required`;
	}
	return issue.message;
}
