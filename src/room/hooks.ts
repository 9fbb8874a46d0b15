/**
 * Room hooks: what a subclass of `Room` may say about a message before it is stored, and how the
 * room reads the answer. A hook runs inside the room's turn, synchronously, so that the order of
 * messages and the output gate hold; a hook that fails refuses the message with `INTERNAL` and
 * never breaks the room.
 */
import {
	type ErrorCode,
	ErrorCodes,
	type JsonValue,
	jsonValueProblem,
	type LeaveReason,
	type MessageSender,
	ProtocolError,
	type User,
	utf8ByteLength,
} from "../protocol";
import type { RosterEvent } from "./presence/presence";

/** A message on its way into the room, as `onMessage` sees it. */
export interface IncomingMessage {
	room: string;
	from: MessageSender;
	/** The recipient of a direct message. */
	to?: string;
	message: JsonValue;
	/** A client's `SendMessage`, or a backend's publish (HTTP or `getRoom().publish`). */
	source: "client" | "server";
}

/** Keep the message (undefined), store another value instead, or refuse it with an error code. */
// biome-ignore lint/suspicious/noConfusingVoidType: a hook with no return statement returns void
export type MessageDecision = undefined | void | { message: JsonValue } | { refuse: ErrorCode; reason?: string };

/** The decision that refuses a message: the sender gets `code` and `reason`. */
export function refuse(code: ErrorCode, reason?: string): MessageDecision {
	return reason === undefined ? { refuse: code } : { refuse: code, reason };
}

/** What a client or a backend is told when a hook failed: never the hook's own error. */
export const HOOK_FAILED = "the room failed to handle this message";

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCodes));

/**
 * Runs `onMessage` and returns the value to store, or throws the `ProtocolError` the sender gets.
 * Whatever goes wrong in the hook (it throws, returns a Promise, an unknown decision or a bad
 * replacement) is logged through `log` and refused with `INTERNAL`.
 */
export function screenMessage(
	hook: (message: IncomingMessage) => MessageDecision,
	incoming: IncomingMessage,
	maxMessageBytes: number,
	log: HookLog,
): unknown {
	let decision: unknown;
	try {
		decision = hook(incoming);
	} catch (error) {
		log("onMessage threw", error);
		throw new ProtocolError(ErrorCodes.INTERNAL, HOOK_FAILED);
	}
	const outcome = readDecision(decision, maxMessageBytes);
	if (outcome.kind === "keep") return incoming.message;
	if (outcome.kind === "replace") return outcome.value;
	if (outcome.kind === "refuse") throw new ProtocolError(outcome.code, outcome.reason);
	log(`onMessage ${outcome.problem}`);
	throw new ProtocolError(ErrorCodes.INTERNAL, HOOK_FAILED);
}

export type DecisionOutcome =
	| { kind: "keep" }
	| { kind: "replace"; value: unknown }
	| { kind: "refuse"; code: ErrorCode; reason: string }
	| { kind: "invalid"; problem: string };

/** What a hook's return value means; pure. A replacement is checked as a client's message is. */
export function readDecision(decision: unknown, maxMessageBytes: number): DecisionOutcome {
	if (decision === undefined) return { kind: "keep" };
	if (isThenable(decision)) {
		// Its outcome is nobody's: a rejection must not surface as an unhandled one.
		decision.then(undefined, () => {});
		return { kind: "invalid", problem: "returned a Promise: hooks must be synchronous" };
	}
	if (typeof decision !== "object" || decision === null) {
		return { kind: "invalid", problem: `returned ${describe(decision)}, not a decision` };
	}
	if (Object.hasOwn(decision, "refuse")) {
		const { refuse: code, reason } = decision as { refuse: unknown; reason?: unknown };
		if (typeof code !== "string" || !KNOWN_CODES.has(code)) {
			return { kind: "invalid", problem: `refused with ${describe(code)}, which is not an error code` };
		}
		if (reason !== undefined && typeof reason !== "string") {
			return { kind: "invalid", problem: "refused with a reason that is not a string" };
		}
		return { kind: "refuse", code: code as ErrorCode, reason: reason || "the room refused this message" };
	}
	if (Object.hasOwn(decision, "message"))
		return readReplacement((decision as { message: unknown }).message, maxMessageBytes);
	return { kind: "invalid", problem: "returned an object with neither message nor refuse" };
}

/** A replacement keeps the value rule and the size limit; what is stored is what its JSON says. */
function readReplacement(value: unknown, maxMessageBytes: number): DecisionOutcome {
	const problem = value === undefined ? "is undefined" : jsonValueProblem(value);
	if (problem) return { kind: "invalid", problem: `returned a replacement that ${problem}` };
	let text: string | undefined;
	try {
		text = JSON.stringify(value);
	} catch (error) {
		return { kind: "invalid", problem: `returned a replacement that is not JSON (${String(error)})` };
	}
	if (text === undefined) return { kind: "invalid", problem: "returned a replacement that is not JSON" };
	if (utf8ByteLength(text) > maxMessageBytes) {
		return { kind: "invalid", problem: `returned a replacement larger than ${maxMessageBytes} bytes` };
	}
	return { kind: "replace", value: JSON.parse(text) };
}

/** A room's hook log: what went wrong, and the error when there is one. */
export type HookLog = (problem: string, error?: unknown) => void;

/** `onJoin` or `onLeave` for one roster change: whatever the hook does, the change stands. */
export function runRosterHook(
	change: RosterEvent,
	hooks: { onJoin(user: User): unknown; onLeave(user: User, reason: LeaveReason): unknown },
	log: HookLog,
): void {
	const hook = "joined" in change ? "onJoin" : "onLeave";
	try {
		const result = "joined" in change ? hooks.onJoin(change.joined) : hooks.onLeave(change.left, change.reason);
		if (isThenable(result)) {
			result.then(undefined, (error: unknown) => log(`${hook} threw`, error));
			log(`${hook} returned a Promise: hooks must be synchronous`);
		}
	} catch (error) {
		log(`${hook} threw`, error);
	}
}

/** An error as a log line shows it: its stack when it has one. */
export function errorDetail(error: unknown): string {
	return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
	return (
		(typeof value === "object" || typeof value === "function") &&
		value !== null &&
		typeof (value as { then?: unknown }).then === "function"
	);
}

function describe(value: unknown): string {
	if (value === null) return "null";
	return typeof value === "string" ? JSON.stringify(value) : typeof value;
}
