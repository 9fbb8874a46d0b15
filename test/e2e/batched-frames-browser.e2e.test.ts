/**
 * Batched frames (protocol 1.2) under the client library, in Chromium against the real
 * `wrangler dev`: the demo page's RoomClient asks a 1.2 room for batches by itself, unpacks them,
 * and the page shows a burst from a Node sender once each, in order. What went over the page's
 * socket is read from the browser's own view of its frames (playwright's `websocket` events).
 */
import type { Page } from "playwright-core";
import { afterEach, describe, expect, inject, it } from "vitest";
import { type MessageAckData, PROTOCOL_REVISION, type ServerFrame } from "../../src/protocol";
import { randomRoom } from "../support/client";
import { chromiumInstalled, collectErrors } from "./chromium";
import { closeAll, join, WAIT_MS } from "./clients";
import { demoPagesForFile, pageUrl, waitForState } from "./demo-pages";

afterEach(closeAll);

/** Every frame of every WebSocket a page opened, as the browser sent and received them. */
interface SocketWire {
	urls: string[];
	sent: string[];
	received: string[];
}

/** Starts recording a page's WebSocket frames: call it before the page opens its socket. */
function recordSockets(page: Page): SocketWire {
	const wire: SocketWire = { urls: [], sent: [], received: [] };
	page.on("websocket", (socket) => {
		wire.urls.push(socket.url());
		socket.on("framesent", ({ payload }) => wire.sent.push(String(payload)));
		socket.on("framereceived", ({ payload }) => wire.received.push(String(payload)));
	});
	return wire;
}

/** A frame's events: an array's one by one, a single event as one, `pong` and other text as none. */
function eventsOf(text: string): ServerFrame[] {
	try {
		const parsed = JSON.parse(text) as ServerFrame | ServerFrame[];
		return Array.isArray(parsed) ? parsed : [parsed];
	} catch {
		return [];
	}
}

type RecordingPage = typeof globalThis & {
	roomClient: { on(event: "message", listener: (message: { id: string }) => void): void };
	handedOver: string[];
};

describe.skipIf(!chromiumInstalled() && !process.env.CI)("batched frames in the demo page (Chromium)", () => {
	const pages = demoPagesForFile();

	it("a burst from a Node sender shows once each and in order, over batched frames the page's client asked for", async () => {
		const room = randomRoom();
		const { client: sender } = await join(room, "sender");
		const { client: carol } = await join(room, "carol");
		const context = await pages.newContext();
		const page = await context.newPage();
		const errors = collectErrors(page);
		const wire = recordSockets(page);
		await page.goto(pageUrl(inject("baseUrl"), room, "viewer"));
		await waitForState(page, "registered");
		await sender.next("UserJoined", (frame) => frame.data.user.userId === "viewer", WAIT_MS);
		// What the library itself hands over, besides what the page shows.
		await page.evaluate(() => {
			const recording = globalThis as RecordingPage;
			recording.handedOver = [];
			recording.roomClient.on("message", (message) => recording.handedOver.push(message.id));
		});

		// The sender's whole burst in one turn (within its rate limit's burst, less its Register and
		// one to spare); every fifth message goes to carol alone.
		const count = sender.established.data.limits.burst - 2;
		const forCarol = (n: number) => n % 5 === 4;
		const acks = await Promise.all(
			Array.from({ length: count }, (_, n) =>
				sender.request("SendMessage", { message: `burst ${n}`, ...(forCarol(n) ? { to: "carol" } : {}) }, WAIT_MS),
			),
		);
		const ackData = acks.map((reply) => {
			expect(reply.event, JSON.stringify(reply)).toBe("MessageAck");
			return reply.data as MessageAckData;
		});
		const shown = ackData.flatMap((ack, n) => (forCarol(n) ? [] : [{ ...ack, text: `burst ${n}` }]));
		const last = shown.at(-1)?.text;
		await page.waitForFunction(
			(wanted) => [...document.querySelectorAll("#messages .text")].some((element) => element.textContent === wanted),
			last,
			{ timeout: WAIT_MS },
		);

		// The page: each message for everyone once, in seq order; none of carol's.
		expect(await page.locator("#messages .text").allTextContents()).toEqual(shown.map((message) => message.text));
		const seqs = await page
			.locator("#messages .message")
			.evaluateAll((rows) => rows.map((row) => Number((row as HTMLElement).dataset.seq)));
		expect(seqs).toEqual(shown.map((message) => message.seq));
		expect(await page.evaluate(() => (globalThis as RecordingPage).handedOver)).toEqual(
			shown.map((message) => message.id),
		);
		// Carol, unbatched, got the whole burst, hers included, one frame each.
		await carol.next("Message", (frame) => frame.data.seq === ackData.at(-1)?.seq, WAIT_MS);
		expect(carol.received("Message").map((frame) => frame.data.id)).toEqual(ackData.map((ack) => ack.id));

		// The socket: one, welcomed by a 1.2 room, whose Register asked for batches, and which
		// received the burst in fewer frames than messages, some of them arrays, each message once.
		// (The browser reports frames on its own channel: wait until it has reported the last one.)
		const lastId = shown.at(-1)?.id;
		const messagesOnWire = () =>
			wire.received.flatMap(eventsOf).flatMap((frame) => (frame.event === "Message" ? [frame.data.id] : []));
		await expect.poll(() => messagesOnWire().at(-1), { timeout: WAIT_MS }).toBe(lastId);
		expect(wire.urls).toHaveLength(1);
		const welcome = eventsOf(wire.received[0] ?? "")[0];
		expect(welcome?.event === "ConnectionEstablished" && welcome.data.version).toBe(PROTOCOL_REVISION);
		const registers = wire.sent
			.flatMap((text) => {
				try {
					return [JSON.parse(text) as { event?: string; requestData?: { batch?: unknown } }];
				} catch {
					return [];
				}
			})
			.filter((frame) => frame.event === "Register");
		expect(registers.length).toBeGreaterThanOrEqual(1);
		for (const register of registers) expect(register.requestData?.batch).toBe(true);
		expect(messagesOnWire()).toEqual(shown.map((message) => message.id));
		const framesWithMessages = wire.received.filter((text) =>
			eventsOf(text).some((frame) => frame.event === "Message"),
		);
		expect(framesWithMessages.some((text) => text.startsWith("["))).toBe(true);
		expect(framesWithMessages.length).toBeLessThan(shown.length);
		expect(errors).toEqual([]);
	});
});
