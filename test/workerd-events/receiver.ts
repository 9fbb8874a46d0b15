/**
 * What the rooms of the workerd-events projects delivered: to the webhook receiver (in the test
 * process, reached over the Worker's outbound fetch) and to the Queue's consumer (worker.ts).
 */
import { env } from "cloudflare:workers";
import { expect, vi } from "vitest";
import type { RoomEvent } from "../../src/protocol";
import type { ReceivedRequest } from "./webhook-receiver";
import { queued } from "./worker";

const RECEIVER = "http://webhook.test";

/** Whether this project writes `message.created` (the sharded one does not). */
export const reportsMessages = env.EVENTS_MESSAGES === "true";

/** Makes the receiver answer the room's next `fail` requests with `status`, each after `delayMs`. */
export async function steer(room: string, how: { fail?: number; status?: number; delayMs?: number }): Promise<void> {
	const response = await fetch(`${RECEIVER}/control`, { method: "POST", body: JSON.stringify({ room, ...how }) });
	expect(response.ok).toBe(true);
}

export interface WebhookLog {
	requests: ReceivedRequest[];
	/** The most requests of the room the receiver held at once. */
	maxInFlight: number;
}

export async function webhookLog(room: string): Promise<WebhookLog> {
	const response = await fetch(`${RECEIVER}/log?room=${encodeURIComponent(room)}`);
	return (await response.json()) as WebhookLog;
}

/** The events the webhook took (answered 2xx), in the order it took them. */
export async function delivered(room: string): Promise<RoomEvent[]> {
	const { requests } = await webhookLog(room);
	return requests.filter((request) => request.status < 300).flatMap((request) => request.body.events as RoomEvent[]);
}

/** The events the Queue's consumer received for the room, in seq order (a queue does not order them). */
export function queuedEvents(room: string): RoomEvent[] {
	return [...(queued.get(room) ?? [])].sort((a, b) => a.seq - b.seq);
}

/** An event as the tests compare them: its type and who or what it is about. */
export function describeEvent(event: RoomEvent): string {
	switch (event.type) {
		case "room.occupied":
			return `room.occupied ${event.data.userCount}`;
		case "user.joined":
			return `user.joined ${event.data.user.userId}`;
		case "user.left":
			return `user.left ${event.data.user.userId} ${event.data.reason}`;
		case "message.created":
			return `message.created ${JSON.stringify(event.data.message.message)}`;
		default:
			return event.type;
	}
}

/** The events a test expects, less `message.created` where the project does not write it. */
export function expected(events: string[]): string[] {
	return reportsMessages ? events : events.filter((event) => !event.startsWith("message.created"));
}

/** Waits until the webhook and the queue both have exactly `events` for the room, and checks what they got. */
export async function expectDelivered(room: string, events: string[]): Promise<RoomEvent[]> {
	const want = expected(events);
	await vi.waitFor(
		async () => {
			expect((await delivered(room)).map(describeEvent)).toEqual(want);
			expect(queuedEvents(room).map(describeEvent)).toEqual(want);
		},
		{ timeout: 5000, interval: 20 },
	);
	const got = await delivered(room);
	expect(got.map((event) => event.seq)).toEqual(want.map((_, i) => i + 1));
	expect(new Set(got.map((event) => event.id)).size).toBe(got.length);
	for (const event of got) expect(event.room).toBe(room);
	expect(queuedEvents(room).map((event) => event.id)).toEqual(got.map((event) => event.id));
	const { requests } = await webhookLog(room);
	for (const request of requests) expect(request.signed).toBe(true);
	return got;
}
