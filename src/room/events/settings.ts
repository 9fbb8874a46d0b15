/**
 * (1.4) Where a room's events go, read from the Worker's environment: `WEBHOOK_URL` with
 * `WEBHOOK_SECRET`, the Queue bound as `EVENTS_QUEUE`, and whether `message.created` is written
 * (`EVENTS_MESSAGES`). `EVENTS_BACKLOG` is a number like the other limits (src/settings.ts).
 * Forgiving like them: a bad value is logged and that sink stays off, the room keeps working.
 */
import type { RoomsEnv } from "../../env";

export interface EventSettings {
	webhook?: { url: string; secret: string };
	queue?: Queue;
	/** Whether every stored message is also an event (`message.created`). */
	messages: boolean;
}

export function readEventSettings(env: RoomsEnv, warn: (text: string) => void = console.warn): EventSettings {
	const settings: EventSettings = { messages: readFlag(env.EVENTS_MESSAGES, warn) };
	const url = env.WEBHOOK_URL?.trim();
	const secret = env.WEBHOOK_SECRET ?? "";
	if (url) {
		const problem = urlProblem(url);
		if (problem) warn(`ignoring WEBHOOK_URL=${JSON.stringify(url)}: ${problem}; no webhook is sent`);
		else if (secret === "") warn("ignoring WEBHOOK_URL: WEBHOOK_SECRET is not set, and events are never sent unsigned");
		else settings.webhook = { url, secret };
	}
	if (env.EVENTS_QUEUE !== undefined) {
		if (isQueue(env.EVENTS_QUEUE)) settings.queue = env.EVENTS_QUEUE;
		else warn("ignoring EVENTS_QUEUE: it is not a Queue binding");
	}
	return settings;
}

/** Whether any sink is configured: without one, a room writes no events at all. */
export function sendsEvents(settings: EventSettings): boolean {
	return settings.webhook !== undefined || settings.queue !== undefined;
}

function readFlag(raw: string | undefined, warn: (text: string) => void): boolean {
	const value = raw?.trim().toLowerCase();
	if (value === undefined || value === "" || value === "false") return false;
	if (value === "true") return true;
	warn(`ignoring EVENTS_MESSAGES=${JSON.stringify(raw)}: not true or false; using false`);
	return false;
}

function urlProblem(url: string): string | undefined {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return "not a URL";
	}
	if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return "not an http(s) URL";
	return undefined;
}

function isQueue(value: unknown): value is Queue {
	return typeof (value as { sendBatch?: unknown } | null)?.sendBatch === "function";
}
