/**
 * A backend on loopback for the room events e2e test: a webhook endpoint that verifies every
 * request with the npm `standardwebhooks` library (not edge-rooms' verifier), can fail or hang on
 * purpose, and a second endpoint where the Queue consumer Worker (consumer.ts) forwards what it got.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Webhook } from "standardwebhooks";
import { LOOPBACK } from "../../../scripts/local-server/loopback.ts";

export interface ReceivedEvent {
	id: string;
	type: string;
	room: string;
	seq: number;
	at: number;
	data: Record<string, unknown>;
	dropped?: number;
}

export interface WebhookCall {
	status: number;
	/** What the library said: verified, or why not. */
	verified: true | string;
	events: ReceivedEvent[];
}

export interface EventsReceiver {
	readonly origin: string;
	readonly calls: WebhookCall[];
	/** Events the webhook took (2xx), in the order it took them. */
	readonly accepted: ReceivedEvent[];
	/** Events the Queue consumer forwarded. */
	readonly queued: ReceivedEvent[];
	/** How the next webhook requests are answered: `fail` of them with 500; `hang`: never, until released. */
	answer(how: { fail?: number; hang?: boolean }): void;
	close(): Promise<void>;
}

export async function startEventsReceiver(secret: string): Promise<EventsReceiver> {
	const library = new Webhook(secret);
	const calls: WebhookCall[] = [];
	const accepted: ReceivedEvent[] = [];
	const queued: ReceivedEvent[] = [];
	const hanging = new Set<ServerResponse>();
	let fail = 0;
	let hang = false;
	const server = createServer(async (request, response) => {
		const body = await text(request);
		if (request.url === "/queue") {
			queued.push(...(JSON.parse(body) as ReceivedEvent[]));
			response.writeHead(204).end();
			return;
		}
		if (request.url !== "/hook") {
			response.writeHead(404).end();
			return;
		}
		let verified: true | string = true;
		try {
			library.verify(body, request.headers as Record<string, string>);
		} catch (error) {
			verified = String(error);
		}
		const { events } = JSON.parse(body) as { events: ReceivedEvent[] };
		if (hang) {
			calls.push({ status: 0, verified, events });
			hanging.add(response);
			return;
		}
		const status = verified !== true ? 401 : fail > 0 ? 500 : 204;
		if (fail > 0) fail--;
		calls.push({ status, verified, events });
		if (status === 204) accepted.push(...events);
		response.writeHead(status).end();
	});
	await new Promise<void>((done) => server.listen(0, LOOPBACK, done));
	const address = server.address();
	if (address === null || typeof address === "string") throw new Error("no port");
	return {
		origin: `http://${LOOPBACK}:${address.port}`,
		calls,
		accepted,
		queued,
		answer(how) {
			fail = how.fail ?? 0;
			hang = how.hang ?? false;
			if (!hang) for (const response of hanging) response.destroy();
			if (!hang) hanging.clear();
		},
		async close() {
			for (const response of hanging) response.destroy();
			server.closeAllConnections();
			await new Promise<void>((done) => server.close(() => done()));
		},
	};
}

function text(request: IncomingMessage): Promise<string> {
	return new Promise((done, fail) => {
		let body = "";
		request.setEncoding("utf8");
		request.on("data", (chunk: string) => {
			body += chunk;
		});
		request.on("end", () => done(body));
		request.on("error", fail);
	});
}
