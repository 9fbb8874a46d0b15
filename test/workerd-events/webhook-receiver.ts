/**
 * The webhook receiver of the workerd-events projects, in Node: miniflare hands it every request
 * the Worker and the tests send out (`outboundService`). It checks each room's webhook with the
 * npm `standardwebhooks` library (not ours), records it by room, and fails or delays as a test
 * asks; the tests read and steer it over the same fetch (test/workerd-events/receiver.ts).
 */
import { standardWebhook } from "../support/standard-webhooks";

export const RECEIVER_ORIGIN = "http://webhook.test";
export const WEBHOOK_PATH = "/hook";

export interface ReceivedRequest {
	/** What the receiver answered. */
	status: number;
	/** Whether the signature matched (the library signing the same id, timestamp and body). */
	signed: boolean;
	webhookId: string;
	body: { events: { id: string; room: string; seq: number }[] };
}

interface RoomLog {
	requests: ReceivedRequest[];
	/** Requests still to fail, and with which status. */
	failing: number;
	status: number;
	delayMs: number;
	inFlight: number;
	maxInFlight: number;
}

export function webhookReceiver(secret: string): (request: Request) => Promise<Response> {
	const library = standardWebhook(secret);
	const rooms = new Map<string, RoomLog>();
	const logOf = (room: string) => {
		let log = rooms.get(room);
		if (!log) {
			log = { requests: [], failing: 0, status: 200, delayMs: 0, inFlight: 0, maxInFlight: 0 };
			rooms.set(room, log);
		}
		return log;
	};
	return async (request) => {
		const url = new URL(request.url);
		if (url.origin !== RECEIVER_ORIGIN) return new Response("nothing leaves the tests", { status: 502 });
		if (url.pathname === "/control" && request.method === "POST") {
			const { room, fail, status, delayMs } = (await request.json()) as Record<string, number | string>;
			const log = logOf(String(room));
			log.failing = Number(fail ?? 0);
			log.status = Number(status ?? 500);
			log.delayMs = Number(delayMs ?? 0);
			return Response.json({});
		}
		if (url.pathname === "/log") {
			const log = logOf(url.searchParams.get("room") ?? "");
			return Response.json({ requests: log.requests, maxInFlight: log.maxInFlight });
		}
		if (url.pathname !== WEBHOOK_PATH || request.method !== "POST")
			return new Response("no such route", { status: 404 });
		const text = await request.text();
		const webhookId = request.headers.get("webhook-id") ?? "";
		const timestamp = request.headers.get("webhook-timestamp") ?? "";
		// The library signs with the request's own timestamp: the rooms' clock is moved in these tests.
		const expected = library.sign(webhookId, new Date(Number(timestamp) * 1000), text);
		const signed = (request.headers.get("webhook-signature") ?? "").split(" ").includes(expected);
		const body = JSON.parse(text) as ReceivedRequest["body"];
		const log = logOf(body.events[0]?.room ?? "");
		log.inFlight++;
		log.maxInFlight = Math.max(log.maxInFlight, log.inFlight);
		if (log.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, log.delayMs));
		log.inFlight--;
		let status = signed ? 204 : 401;
		if (log.failing > 0) {
			log.failing--;
			status = log.status;
		}
		log.requests.push({ status, signed, webhookId, body });
		return new Response(null, { status });
	};
}
