/**
 * "… is typing" in the demo page, in Chromium against the real `wrangler dev`: typing in one
 * page shows a notice in the other, which ends after a quiet spell or with the message, and the
 * signals behind it leave nothing in the room's history.
 */
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import type { Message } from "../../src/client";
import { TYPING_QUIET_MS } from "../../src/demo/typing";
import { randomRoom } from "../support/client";
import { chromiumInstalled } from "./chromium";
import { get, WAIT_MS } from "./clients";
import { demoPagesForFile, PHONE, waitForRosterEntry } from "./demo-pages";

const SCREENSHOTS = join("test-results", "browser");

/** What the page showed in `#typing` since `watchTyping`, and the signals its client received. */
interface TypingWatch {
	shown: string[];
	signals: unknown[];
}

type WatchedPage = typeof globalThis & { typingWatch: TypingWatch; roomClient: { on: (...args: unknown[]) => void } };

/** Records, from inside the page, every text `#typing` takes and every signal the page's client gets. */
async function watchTyping(page: Page): Promise<void> {
	await page.evaluate(() => {
		const watched = globalThis as WatchedPage;
		const watch: TypingWatch = { shown: [], signals: [] };
		const notice = document.getElementById("typing");
		if (!notice) throw new Error("the page has no #typing");
		new MutationObserver(() => watch.shown.push(notice.textContent ?? "")).observe(notice, {
			childList: true,
			characterData: true,
			subtree: true,
		});
		watched.roomClient.on("signal", (signal: { signal: unknown }) => watch.signals.push(signal.signal));
		watched.typingWatch = watch;
	});
}

function typingWatch(page: Page): Promise<TypingWatch> {
	return page.evaluate(() => (globalThis as WatchedPage).typingWatch);
}

async function waitForTyping(page: Page, text: string, timeout = WAIT_MS): Promise<void> {
	await page.waitForFunction((wanted) => document.getElementById("typing")?.textContent === wanted, text, { timeout });
}

/** The room's stored messages, as `GET /rooms/:room/messages` has them. */
async function history(room: string): Promise<unknown[]> {
	const response = await get(`/rooms/${room}/messages`);
	expect(response.status).toBe(200);
	const page = (await response.json()) as { messages: Message[] };
	return page.messages.map((message) => [message.from.userId, message.message]);
}

describe.skipIf(!chromiumInstalled() && !process.env.CI)("who is typing, in the demo page (Chromium)", () => {
	const pages = demoPagesForFile();

	it("typing shows a notice on the other page (a phone), which goes after a quiet spell; nothing is stored", async () => {
		const room = randomRoom();
		const alice = await pages.open(room, "alice");
		const bob = await pages.open(room, "bob", inject("baseUrl"), PHONE);
		await waitForRosterEntry(alice.page, "bob");

		await alice.page.locator("#send-input").pressSequentially("hel");
		await waitForTyping(bob.page, "alice is typing…");
		const shownAt = Date.now();
		expect(await bob.page.locator("#typing").isVisible()).toBe(true);
		expect(await bob.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(
			0,
		);
		await bob.page.screenshot({ path: join(SCREENSHOTS, "typing-phone.png") });
		// Our own typing is not news to us.
		expect(await alice.page.locator("#typing").textContent()).toBe("");

		await waitForTyping(bob.page, "", TYPING_QUIET_MS + WAIT_MS);
		// The quiet spell runs from the last typing signal, which came at or after the first.
		expect(Date.now() - shownAt).toBeGreaterThanOrEqual(TYPING_QUIET_MS - 200);
		expect(await history(room)).toEqual([]);
		expect(alice.errors).toEqual([]);
		expect(bob.errors).toEqual([]);
	});

	it("the message ends the notice at once, it does not come back, and the message is all the room stores", async () => {
		const room = randomRoom();
		const alice = await pages.open(room, "alice");
		const bob = await pages.open(room, "bob");
		await waitForRosterEntry(alice.page, "bob");

		await alice.page.locator("#send-input").pressSequentially("hello bob");
		await waitForTyping(bob.page, "alice is typing…");
		await watchTyping(bob.page);
		await alice.page.press("#send-input", "Enter");
		// Well inside the quiet spell: the message (or the "stopped" signal sent with it) ended it.
		await bob.page.waitForFunction(
			() =>
				[...document.querySelectorAll("#messages .text")].some((row) => row.textContent === "hello bob") &&
				document.getElementById("typing")?.textContent === "",
			undefined,
			{ timeout: TYPING_QUIET_MS / 2 },
		);
		// The typing stream's last word is "stopped": once it is in, no stale "typing" can follow.
		await bob.page.waitForFunction(
			() =>
				(globalThis as WatchedPage).typingWatch.signals.some((signal) => JSON.stringify(signal) === '{"typing":false}'),
			undefined,
			{ timeout: WAIT_MS },
		);
		const watch = await typingWatch(bob.page);
		expect(watch.shown.every((text) => text === "")).toBe(true);
		expect(watch.signals).toEqual([{ typing: false }]);
		expect(await history(room)).toEqual([["alice", "hello bob"]]);
		expect(alice.errors).toEqual([]);
		expect(bob.errors).toEqual([]);
	});
});
