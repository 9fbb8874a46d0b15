/**
 * The room events scenario's backend: a webhook on loopback in the load generator's process that
 * answers every request at once (204 as soon as its body is read, nothing checked: a receiver that
 * costs the room nothing but the request) and counts what came: every event by `id` (a second
 * receipt of one is a duplicate), each room's `seq`s (a gap is a missing event), and for each
 * `message.created` the message's payload (`k`, and `t`: its send time on this process's clock),
 * so that its delay is the receipt less the send, on one clock.
 */
import { createServer, type IncomingMessage } from "node:http";
import { performance } from "node:perf_hooks";
import { LOOPBACK } from "../../scripts/local-server/loopback.ts";

/** One `message.created` as received: its message's key and send time, the receipt, and the event's `at`. */
export interface MessageEventReceipt {
	key: number;
	sentAt: number;
	receivedAt: number;
	/** The event's `at` (epoch ms, when the room stored the message) on this process's clock. */
	storedAt: number;
}

export interface EventCounts {
	requests: number;
	events: number;
	byType: Record<string, number>;
	/** Receipts of an `id` already received. */
	duplicated: number;
	/** `seq`s below each room's highest received that never came. */
	missingSeqs: number;
	/** The largest `dropped` any event carried (the backlog bound: 0 here). */
	dropped: number;
	/** Requests whose body was not `{"events": [...]}`. */
	badRequests: number;
}

export interface EventsReceiver {
	readonly url: string;
	readonly messages: MessageEventReceipt[];
	/** When each request was received (this process's clock). */
	readonly requestTimes: number[];
	counts(): EventCounts;
	close(): Promise<void>;
}

interface WireEvent {
	id: string;
	type: string;
	room: string;
	seq: number;
	at: number;
	dropped?: number;
	data?: { message?: { message?: { k?: unknown; t?: unknown } } };
}

function body(request: IncomingMessage): Promise<string> {
	return new Promise((done, fail) => {
		const chunks: Buffer[] = [];
		request.on("data", (chunk: Buffer) => chunks.push(chunk));
		request.on("end", () => done(Buffer.concat(chunks).toString("utf8")));
		request.on("error", fail);
	});
}

/** `seq`s missing below each room's highest: the highest less the distinct ones received. */
function missing(seqs: Map<string, Set<number>>): number {
	let total = 0;
	for (const got of seqs.values()) total += Math.max(0, ...got) - got.size;
	return total;
}

export async function startEventsReceiver(): Promise<EventsReceiver> {
	const ids = new Set<string>();
	const seqs = new Map<string, Set<number>>();
	const messages: MessageEventReceipt[] = [];
	const requestTimes: number[] = [];
	const byType: Record<string, number> = {};
	let requests = 0;
	let events = 0;
	let duplicated = 0;
	let dropped = 0;
	let badRequests = 0;
	// epoch ms to this process's performance clock
	const epochToLocal = (epochMs: number) => epochMs - performance.timeOrigin;
	const server = createServer(async (request, response) => {
		const text = await body(request);
		const receivedAt = performance.now();
		response.writeHead(204).end();
		requests++;
		requestTimes.push(receivedAt);
		let list: WireEvent[];
		try {
			list = (JSON.parse(text) as { events: WireEvent[] }).events;
			if (!Array.isArray(list)) throw new Error("no events");
		} catch {
			badRequests++;
			return;
		}
		for (const event of list) {
			events++;
			if (ids.has(event.id)) {
				duplicated++;
				continue;
			}
			ids.add(event.id);
			byType[event.type] = (byType[event.type] ?? 0) + 1;
			dropped = Math.max(dropped, event.dropped ?? 0);
			const roomSeqs = seqs.get(event.room) ?? new Set<number>();
			seqs.set(event.room, roomSeqs);
			roomSeqs.add(event.seq);
			const payload = event.data?.message?.message;
			if (event.type === "message.created" && typeof payload?.k === "number" && typeof payload.t === "number") {
				messages.push({ key: payload.k, sentAt: payload.t, receivedAt, storedAt: epochToLocal(event.at) });
			}
		}
	});
	await new Promise<void>((done) => server.listen(0, LOOPBACK, done));
	const address = server.address();
	if (!address || typeof address === "string") throw new Error("the events receiver has no port");
	return {
		url: `http://${LOOPBACK}:${address.port}/hook`,
		messages,
		requestTimes,
		counts: () => ({
			requests,
			events,
			byType: { ...byType },
			duplicated,
			missingSeqs: missing(seqs),
			dropped,
			badRequests,
		}),
		close: () =>
			new Promise<void>((done) => {
				server.closeAllConnections();
				server.close(() => done());
			}),
	};
}
