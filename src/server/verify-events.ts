/**
 * (1.4) A backend's check of a room events webhook in one call: the Standard Webhooks signature
 * (HMAC-SHA256, compared in constant time by WebCrypto), a timestamp within a few minutes, and
 * the body's shape. Runs wherever WebCrypto does: Workers, Node 20+, Deno, Bun.
 *
 *   const { events } = await verifyRoomEvents(request, env.WEBHOOK_SECRET);
 */
import {
	importWebhookKey,
	type RoomEvent,
	type RoomEventsBody,
	WEBHOOK_TOLERANCE_SECONDS,
	WebhookHeaders,
	webhookSignatureMatches,
} from "../protocol";

/** A request as a framework hands it over when it is not a `Request`: its headers and its raw body text. */
export interface WebhookRequestParts {
	headers: Headers | Record<string, string | string[] | undefined>;
	/** The body exactly as received (parsing and re-encoding it breaks the signature). */
	body: string;
}

export interface VerifyOptions {
	/** The receiver's time, epoch ms (default: now). */
	now?: number;
	/** How far the request's timestamp may be from `now` (default 300 s). */
	toleranceSeconds?: number;
}

export type VerificationProblem = "missing-headers" | "timestamp" | "signature" | "body";

/** Why a request is not a room's: answer it with a 4xx and do not act on it. */
export class RoomEventsVerificationError extends Error {
	readonly problem: VerificationProblem;

	constructor(problem: VerificationProblem, message: string) {
		super(message);
		this.name = "RoomEventsVerificationError";
		this.problem = problem;
	}
}

const keys = new Map<string, Promise<CryptoKey>>();

/**
 * The request's events if it carries the signature `secret` makes (the same `WEBHOOK_SECRET` the
 * rooms have, `whsec_…` or not); else throws a `RoomEventsVerificationError`. A `Request`'s body
 * is read here.
 */
export async function verifyRoomEvents(
	request: Request | WebhookRequestParts,
	secret: string,
	options: VerifyOptions = {},
): Promise<RoomEventsBody> {
	const body = request instanceof Request ? await request.text() : request.body;
	const id = header(request.headers, WebhookHeaders.id);
	const timestamp = header(request.headers, WebhookHeaders.timestamp);
	const signature = header(request.headers, WebhookHeaders.signature);
	if (!id || !timestamp || !signature) {
		throw new RoomEventsVerificationError(
			"missing-headers",
			"the webhook-id, -timestamp or -signature header is missing",
		);
	}
	const seconds = /^\d{1,15}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
	const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
	if (!(Math.abs(nowSeconds - seconds) <= (options.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS))) {
		throw new RoomEventsVerificationError("timestamp", "the webhook-timestamp is not a time close to now");
	}
	let key = keys.get(secret);
	if (!key) {
		key = importWebhookKey(secret);
		if (keys.size < 16) keys.set(secret, key);
	}
	if (!(await webhookSignatureMatches(await key, signature, id, timestamp, body))) {
		throw new RoomEventsVerificationError("signature", "no webhook-signature matches this request");
	}
	return parseBody(body);
}

function parseBody(body: string): RoomEventsBody {
	let parsed: unknown;
	try {
		parsed = JSON.parse(body);
	} catch {
		throw new RoomEventsVerificationError("body", "the body is not JSON");
	}
	const events = (parsed as { events?: unknown } | null)?.events;
	if (!Array.isArray(events) || !events.every(isEvent)) {
		throw new RoomEventsVerificationError("body", 'the body is not {"events": [...]}');
	}
	return { events };
}

/** An event's common fields; a type this version does not know passes, for a backend older than its rooms. */
function isEvent(value: unknown): value is RoomEvent {
	if (typeof value !== "object" || value === null) return false;
	const event = value as Record<string, unknown>;
	return (
		typeof event.id === "string" &&
		typeof event.type === "string" &&
		typeof event.room === "string" &&
		Number.isSafeInteger(event.seq) &&
		typeof event.at === "number" &&
		typeof event.data === "object" &&
		event.data !== null
	);
}

function header(headers: WebhookRequestParts["headers"], name: string): string | undefined {
	if (headers instanceof Headers) return headers.get(name) ?? undefined;
	const found = Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
	return Array.isArray(found) ? found[0] : found;
}
