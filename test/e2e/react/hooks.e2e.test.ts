/**
 * `useRoom` in Chromium against the real `wrangler dev`: StrictMode's double mount keeps one
 * socket, unmounting closes it (and leaves the room), a cut link reconnects and resumes, and
 * messages arriving while the component re-renders constantly show once each, in `seq` order,
 * after the room's history. Under a `RoomProvider`, `useRoom()` and `useSignal(handler)` in
 * different children share its one socket; outside one, `useRoom()` throws. The page is page.ts,
 * served by page-server.ts.
 */
import type { Page, WebSocket as PageSocket } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import type { UseRoomOptions } from "../../../src/react";
import { randomRoom } from "../../support/client";
import { chromiumInstalled, collectErrors } from "../chromium";
import { closeAll, type E2EClient, join, usersOf, WAIT_MS } from "../clients";
import { demoPagesForFile } from "../demo-pages";
import { startTcpProxy, type TcpProxy } from "../tcp-proxy";
import type { MountSettings, ReactHarness } from "./page";
import { type PageServer, startPageServer } from "./page-server";

const pages = demoPagesForFile();
let server: PageServer;
const proxies: TcpProxy[] = [];

interface MountedRoom {
	page: Page;
	errors: string[];
	/** Every WebSocket the page opened. */
	sockets: PageSocket[];
}

/** The page, loaded, with nothing mounted yet. */
async function openPage(): Promise<MountedRoom> {
	const context = await pages.newContext();
	const page = await context.newPage();
	const errors = collectErrors(page);
	const sockets: PageSocket[] = [];
	page.on("websocket", (socket) => sockets.push(socket));
	await page.goto(server.url);
	return { page, errors, sockets };
}

async function mountRoom(options: UseRoomOptions, settings: MountSettings): Promise<MountedRoom> {
	const mounted = await openPage();
	await mounted.page.evaluate(
		([options, settings]) =>
			(globalThis as unknown as { reactHarness: ReactHarness }).reactHarness.mount(options, settings),
		[options, settings] as const,
	);
	await waitForRoomState(mounted.page, "registered");
	return mounted;
}

/** A `RoomProvider` under StrictMode, its children reading its room with `useRoom()` and `useSignal(handler)`. */
async function mountProvider(options: UseRoomOptions): Promise<MountedRoom> {
	const mounted = await openPage();
	await mounted.page.evaluate(
		(options) => (globalThis as unknown as { reactHarness: ReactHarness }).reactHarness.mountProvider(options, true),
		options,
	);
	await waitForRoomState(mounted.page, "registered");
	return mounted;
}

function connects(page: Page): Promise<number> {
	return page.evaluate(() => (globalThis as unknown as { reactHarness: ReactHarness }).reactHarness.connects());
}

function waitForRoomState(page: Page, state: string): Promise<unknown> {
	return page.waitForSelector(`#state[data-state="${state}"]`, { timeout: WAIT_MS });
}

/** Waits until the page shows `count` messages, then returns their ids, seqs and texts. */
async function shownMessages(page: Page, count: number) {
	await page.waitForFunction((count) => document.querySelectorAll("#messages li").length >= count, count, {
		timeout: WAIT_MS,
	});
	return page.$$eval("#messages li", (items) =>
		items.map((item) => ({
			id: item.getAttribute("data-id"),
			seq: Number(item.getAttribute("data-seq")),
			text: item.textContent,
		})),
	);
}

async function sendAll(client: E2EClient, texts: readonly string[]): Promise<void> {
	for (const text of texts)
		client.send({ eventType: "ClientEvent", event: "SendMessage", requestId: text, requestData: { message: text } });
	await Promise.all(texts.map((text) => client.waitFor((frame) => frame.requestId === text, WAIT_MS)));
}

function options(room: string, host = inject("baseUrl")): UseRoomOptions {
	return { room, userId: "alice", name: "Alice", host, backoff: { baseMs: 100, maxMs: 300 } };
}

beforeAll(async () => {
	server = await startPageServer();
});
afterEach(async () => {
	closeAll();
	await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});
afterAll(() => server?.close());

describe.skipIf(!chromiumInstalled())("useRoom in Chromium", () => {
	it("keeps one socket under StrictMode's double mount, shows the roster, and relays signals both ways", async () => {
		const room = randomRoom();
		const { page, errors, sockets } = await mountRoom(options(room), { strict: true, churn: false });
		const { client: bob } = await join(room, "bob");
		await page.waitForFunction(() => document.querySelector("#count")?.textContent === "2", undefined, {
			timeout: WAIT_MS,
		});
		expect(sockets).toHaveLength(1);
		// StrictMode mounted the effect twice; the second mount got the first one's client back.
		expect(await connects(page)).toBe(1);
		const alice = (await usersOf(room)).find((user) => user.userId === "alice");
		expect(alice?.connections).toBe(1);
		await sendAll(bob, ["hello"]);
		expect((await shownMessages(page, 1)).map((message) => message.text)).toEqual(["hello"]);
		// useSignal, subscribed once whatever StrictMode did, and signal() the other way.
		bob.send({ eventType: "ClientEvent", event: "Signal", requestData: { signal: { typing: true } } });
		await page.waitForSelector("#signals li", { timeout: WAIT_MS });
		await page.evaluate(() =>
			(globalThis as unknown as { reactHarness: ReactHarness }).reactHarness.signal({ typing: false }),
		);
		const relayed = await bob.next("Signal", undefined, WAIT_MS);
		expect(relayed.data).toMatchObject({ from: { userId: "alice" }, signal: { typing: false } });
		expect(await page.$$eval("#signals li", (items) => items.map((item) => item.textContent))).toEqual([
			'bob:{"typing":true}',
		]);
		expect(errors).toEqual([]);
	});

	it("closes the socket on unmount, and the user leaves the room", async () => {
		const room = randomRoom();
		const { page, sockets } = await mountRoom(options(room), { strict: true, churn: false });
		const socket = sockets[0];
		if (!socket) throw new Error("the page opened no socket");
		const closed = socket.isClosed() ? Promise.resolve() : socket.waitForEvent("close", { timeout: WAIT_MS });
		await page.evaluate(() => (globalThis as unknown as { reactHarness: ReactHarness }).reactHarness.unmount());
		await closed;
		expect(await usersOf(room)).toEqual([]);
	});

	it("reconnects through a cut link and shows what was missed, once", async () => {
		const room = randomRoom();
		const proxy = await startTcpProxy(new URL(inject("baseUrl")));
		proxies.push(proxy);
		const { page, errors } = await mountRoom(options(room, proxy.origin), { strict: true, churn: false });
		const { client: bob } = await join(room, "bob");
		await sendAll(bob, ["before"]);
		await shownMessages(page, 1);
		proxy.setOffline(true);
		proxy.cut();
		await waitForRoomState(page, "reconnecting");
		await sendAll(bob, ["missed 1", "missed 2"]);
		proxy.setOffline(false);
		await waitForRoomState(page, "registered");
		const sent = await page.evaluate(() =>
			(globalThis as unknown as { reactHarness: ReactHarness }).reactHarness.send("back"),
		);
		const shown = await shownMessages(page, 4);
		expect(shown.map((message) => message.text)).toEqual(["before", "missed 1", "missed 2", "back"]);
		expect(shown.map((message) => message.seq)).toEqual([1, 2, 3, sent]);
		// The failed attempts themselves, and the client asking the users page why (refused while offline).
		expect(errors.filter((error) => !/WebSocket|Failed to load resource/.test(error))).toEqual([]);
	});

	it("shows history and messages that arrive while it re-renders, each once, in seq order", async () => {
		const room = randomRoom();
		const { client: bob } = await join(room, "bob");
		const earlier = Array.from({ length: 5 }, (_, index) => `earlier ${index}`);
		const live = Array.from({ length: 40 }, (_, index) => `live ${index}`);
		await sendAll(bob, earlier);
		const { page, errors } = await mountRoom(options(room), { strict: true, churn: true });
		await sendAll(bob, live);
		const shown = await shownMessages(page, earlier.length + live.length);
		// Still the same after more renders: nothing arrives twice later on.
		await page.waitForFunction(() => Number(document.querySelector("#renders")?.textContent) > 50, undefined, {
			timeout: WAIT_MS,
		});
		const settled = await shownMessages(page, shown.length);
		expect(settled).toEqual(shown);
		expect(shown.map((message) => message.text)).toEqual([...earlier, ...live]);
		expect(shown.map((message) => message.seq)).toEqual(shown.map((_, index) => index + 1));
		expect(new Set(shown.map((message) => message.id)).size).toBe(shown.length);
		expect(errors).toEqual([]);
	});

	it("shares a RoomProvider's one socket between a useRoom() child and a useSignal(handler) child", async () => {
		const room = randomRoom();
		const { page, errors, sockets } = await mountProvider(options(room));
		const { client: bob } = await join(room, "bob");
		// The useRoom() child shows the provider's roster...
		await page.waitForFunction(() => document.querySelector("#count")?.textContent === "2", undefined, {
			timeout: WAIT_MS,
		});
		// ...the useSignal(handler) child hears the provider's signals...
		bob.send({ eventType: "ClientEvent", event: "Signal", requestData: { signal: { typing: true } } });
		await page.waitForSelector("#signals li", { timeout: WAIT_MS });
		expect(await page.$$eval("#signals li", (items) => items.map((item) => item.textContent))).toEqual([
			'bob:{"typing":true}',
		]);
		// ...and the useRoom() child's signal() leaves through the same client.
		await page.evaluate(() =>
			(globalThis as unknown as { reactHarness: ReactHarness }).reactHarness.signal({ typing: false }),
		);
		const relayed = await bob.next("Signal", undefined, WAIT_MS);
		expect(relayed.data).toMatchObject({ from: { userId: "alice" }, signal: { typing: false } });
		expect(sockets).toHaveLength(1);
		expect(await connects(page)).toBe(1);
		const alice = (await usersOf(room)).find((user) => user.userId === "alice");
		expect(alice?.connections).toBe(1);
		expect(errors).toEqual([]);
	});

	it("throws from useRoom() outside every RoomProvider, naming it, and opens nothing", async () => {
		const { page, sockets } = await openPage();
		await page.evaluate(() =>
			(globalThis as unknown as { reactHarness: ReactHarness }).reactHarness.mountWithoutProvider(),
		);
		const shown = await page.waitForSelector("#error", { timeout: WAIT_MS });
		expect(await shown.textContent()).toMatch(/^useRoom\(\) found no RoomProvider above this component/);
		expect(await connects(page)).toBe(0);
		expect(sockets).toEqual([]);
	});
});
