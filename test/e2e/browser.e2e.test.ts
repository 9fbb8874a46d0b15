/**
 * The demo page and the client library in a real browser (Debian's Chromium) against the real
 * `wrangler dev`: joining by URL, live messages, history on reload, recovery from a cut socket,
 * and leaving. Screenshots land in test-results/browser/.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { randomRoom } from "../support/client";
import { chromiumInstalled, collectErrors } from "./chromium";
import { WAIT_MS } from "./clients";
import { DemoPages, PHONE, pageUrl, waitForRosterEntry, waitForState, waitForTabCount } from "./demo-pages";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy";

const SCREENSHOTS = join("test-results", "browser");

const pages = new DemoPages();
const openRoom = (room: string, user: string, origin?: string) => pages.open(room, user, origin);
const proxies: TcpProxy[] = [];

// CI installs Chromium (.ci/run); a developer without it gets a skip, not a false failure.
/**
 * What Chromium itself logs for a page whose link is cut: the refused reconnects, and the client's
 * question to the users page about them (refused too while offline). Nothing else may be on the console.
 */
const OFFLINE_CONSOLE = /WebSocket connection to .* failed|Failed to load resource: net::/;

describe.skipIf(!chromiumInstalled() && !process.env.CI)("the demo page in Chromium", () => {
	beforeAll(async () => {
		mkdirSync(SCREENSHOTS, { recursive: true });
		await pages.launch();
	});

	afterAll(async () => {
		await pages.close();
	});

	afterEach(async () => {
		await pages.closePages();
		await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
	});

	it("two pages joined by URL see each other, and a message typed in one shows in the other", async () => {
		const room = randomRoom();
		const alice = await openRoom(room, "alice");
		const bob = await openRoom(room, "bob");
		await waitForRosterEntry(alice.page, "bob");
		await waitForRosterEntry(bob.page, "alice");

		await typeMessage(alice.page, "hello from Alice");
		await waitForText(bob.page, "hello from Alice");
		// Alice's own line is confirmed with the room's seq; Bob's shows her name and a time.
		await alice.page.waitForSelector('#messages .message.mine[data-seq="1"]', { timeout: WAIT_MS });
		const row = bob.page.locator('#messages .message[data-seq="1"]');
		expect(await row.locator(".from").textContent()).toBe("alice");
		expect(await row.locator("time").getAttribute("datetime")).toMatch(/^\d{4}-\d\d-\d\dT/);
		expect(await texts(alice.page)).toEqual(["hello from Alice"]);

		await typeMessage(bob.page, "hi Alice, Bob here");
		await waitForText(alice.page, "hi Alice, Bob here");
		expect(await texts(alice.page)).toEqual(["hello from Alice", "hi Alice, Bob here"]);
		await alice.page.screenshot({ path: join(SCREENSHOTS, "two-pages-alice.png") });
		expect(alice.errors).toEqual([]);
		expect(bob.errors).toEqual([]);
	});

	it("a reload shows the history once, and the live stream carries on with no duplicate", async () => {
		const room = randomRoom();
		const alice = await openRoom(room, "alice");
		const bob = await openRoom(room, "bob");
		for (const text of ["one", "two", "three"]) await typeMessage(alice.page, text);
		await waitForText(bob.page, "three");

		await bob.page.reload();
		await waitForState(bob.page, "registered");
		await waitForText(bob.page, "three");
		expect(await texts(bob.page)).toEqual(["one", "two", "three"]);

		// After the reload: one more live message, and still each line exactly once.
		await typeMessage(alice.page, "four");
		await waitForText(bob.page, "four");
		expect(await texts(bob.page)).toEqual(["one", "two", "three", "four"]);
		// Alice's own reload shows her messages as history too, once.
		await alice.page.reload();
		await waitForText(alice.page, "four");
		expect(await texts(alice.page)).toEqual(["one", "two", "three", "four"]);
		expect(bob.errors).toEqual([]);
		expect(alice.errors).toEqual([]);
	});

	it("a page whose socket is cut recovers by itself; what was sent meanwhile arrives exactly once", async () => {
		const room = randomRoom();
		const proxy = await startTcpProxy(new URL(inject("baseUrl")));
		proxies.push(proxy);
		const alice = await openRoom(room, "alice", proxy.origin);
		const bob = await openRoom(room, "bob");
		await waitForRosterEntry(alice.page, "bob");
		await recordMessages(alice.page);

		// The network goes: no close frame reaches either side, and no reconnect gets through.
		proxy.setOffline(true);
		proxy.cut();
		await waitForState(alice.page, "reconnecting");
		await waitForRosterEntry(bob.page, "alice", "detached");
		await typeMessage(alice.page, "written while offline");
		await typeMessage(bob.page, "missed by Alice");
		await alice.page.waitForSelector("#messages .message.pending", { timeout: WAIT_MS });

		proxy.setOffline(false);
		await waitForState(alice.page, "registered", 30_000);
		await waitForText(bob.page, "written while offline");
		await waitForText(alice.page, "missed by Alice");
		await waitForRosterEntry(bob.page, "alice");

		// A barrier from each side, then count: nothing came twice, and Alice's line is confirmed.
		await typeMessage(bob.page, "barrier from Bob");
		await typeMessage(alice.page, "barrier from Alice");
		await waitForText(alice.page, "barrier from Bob");
		await waitForText(bob.page, "barrier from Alice");
		expect(await texts(bob.page)).toEqual([
			"missed by Alice",
			"written while offline",
			"barrier from Bob",
			"barrier from Alice",
		]);
		expect(count(await texts(alice.page), "written while offline")).toBe(1);
		expect(count(await texts(alice.page), "missed by Alice")).toBe(1);
		expect(await alice.page.locator("#messages .message.pending").count()).toBe(0);
		// The library itself (not only the page) handed each message over once.
		expect((await recorded(alice.page)).map((message) => message.text)).toEqual([
			"missed by Alice",
			"barrier from Bob",
		]);
		expect(alice.errors.filter((error) => !OFFLINE_CONSOLE.test(error))).toEqual([]);
		expect(bob.errors).toEqual([]);
	});

	it("a send whose acknowledgement was lost with the socket is stored and shown once", async () => {
		const room = randomRoom();
		const proxy = await startTcpProxy(new URL(inject("baseUrl")));
		proxies.push(proxy);
		const alice = await openRoom(room, "alice", proxy.origin);
		const bob = await openRoom(room, "bob");
		await waitForRosterEntry(alice.page, "bob");
		await recordMessages(alice.page);

		// Alice's frame reaches the room (Bob gets it), but its MessageAck never reaches her.
		proxy.setRepliesLost(true);
		await typeMessage(alice.page, "ack lost");
		await waitForText(bob.page, "ack lost");
		proxy.setOffline(true);
		proxy.cut();
		await waitForState(alice.page, "reconnecting");
		proxy.setRepliesLost(false);
		proxy.setOffline(false);
		await waitForState(alice.page, "registered", 30_000);
		await alice.page.waitForSelector('#messages .message.mine[data-seq="1"]', { timeout: WAIT_MS });

		await typeMessage(bob.page, "barrier from Bob");
		await waitForText(alice.page, "barrier from Bob");
		await typeMessage(alice.page, "barrier from Alice");
		await waitForText(bob.page, "barrier from Alice");
		expect(await texts(bob.page)).toEqual(["ack lost", "barrier from Bob", "barrier from Alice"]);
		expect(await texts(alice.page)).toEqual(["ack lost", "barrier from Bob", "barrier from Alice"]);
		// The resend was answered as a duplicate: the history's copy of it was not handed over again.
		expect((await recorded(alice.page)).map((message) => message.text)).toEqual(["barrier from Bob"]);
		expect(alice.errors.filter((error) => !OFFLINE_CONSOLE.test(error))).toEqual([]);
	});

	it("closing a page removes its user from the other's roster", async () => {
		const room = randomRoom();
		const alice = await openRoom(room, "alice");
		const bob = await openRoom(room, "bob");
		await waitForRosterEntry(alice.page, "bob");
		await bob.page.close();
		await waitForRosterEntry(alice.page, "bob", "detached");
		expect(await alice.page.locator("#roster li").count()).toBe(1);
		expect(alice.errors).toEqual([]);
	});

	it("a second tab of the same user is one roster entry with a tab count", async () => {
		const room = randomRoom();
		const alice = await openRoom(room, "alice");
		const context = alice.page.context();
		const secondTab = await context.newPage();
		await secondTab.goto(pageUrl(inject("baseUrl"), room, "bob"));
		const thirdTab = await context.newPage();
		await thirdTab.goto(pageUrl(inject("baseUrl"), room, "bob"));
		await waitForTabCount(alice.page, "bob", 2);
		await thirdTab.close();
		await waitForTabCount(alice.page, "bob", 1);
	});

	it("the join form works, and the page fits a phone's screen", async () => {
		const context = await pages.newContext(PHONE);
		const page = await context.newPage();
		const errors = collectErrors(page);
		await page.goto(`${inject("baseUrl")}/`);
		const room = randomRoom();
		await page.fill("#join-room", room);
		await page.fill("#join-name", "carol");
		await page.click('#join button[type="submit"]');
		await waitForState(page, "registered");
		expect(new URL(page.url()).searchParams.get("room")).toBe(room);
		await typeMessage(page, "hello from a phone");
		await page.waitForSelector('#messages .message.mine[data-seq="1"]', { timeout: WAIT_MS });
		const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
		expect(overflow).toBeLessThanOrEqual(0);
		expect(await page.locator("#send-input").isVisible()).toBe(true);
		expect(await page.locator("#roster").isVisible()).toBe(true);
		await page.screenshot({ path: join(SCREENSHOTS, "phone.png") });
		expect(errors).toEqual([]);
	});
});

async function typeMessage(page: Page, text: string): Promise<void> {
	await page.fill("#send-input", text);
	await page.press("#send-input", "Enter");
}

async function waitForText(page: Page, text: string): Promise<void> {
	await page.waitForFunction(
		(wanted) => [...document.querySelectorAll("#messages .text")].some((element) => element.textContent === wanted),
		text,
		{ timeout: WAIT_MS },
	);
}

function texts(page: Page): Promise<string[]> {
	return page.locator("#messages .text").allTextContents();
}

/** Starts recording what the page's RoomClient hands over as `message` events. */
async function recordMessages(page: Page): Promise<void> {
	await page.evaluate(() => {
		const page = globalThis as unknown as {
			roomClient: {
				on(event: "message", listener: (message: { id: string; seq: number; message: unknown }) => void): void;
			};
			recorded: Array<{ id: string; seq: number; text: unknown }>;
		};
		page.recorded = [];
		page.roomClient.on("message", (message) =>
			page.recorded.push({ id: message.id, seq: message.seq, text: message.message }),
		);
	});
}

function recorded(page: Page): Promise<Array<{ id: string; seq: number; text: unknown }>> {
	return page.evaluate(
		() => (globalThis as unknown as { recorded: Array<{ id: string; seq: number; text: unknown }> }).recorded,
	);
}

function count(list: readonly string[], text: string): number {
	return list.filter((item) => item === text).length;
}
