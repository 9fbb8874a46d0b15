/**
 * Presence 1.1 in the demo page, in Chromium against the real `wrangler dev` (leave grace
 * LEAVE_GRACE_SECONDS, batched presence): a page that reloads never leaves the others' roster,
 * the online count is the room's, and a hidden tab shows as away.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { randomRoom } from "../support/client";
import { E2E_DEVELOPMENT_VARS } from "../support/pinned-vars";
import { chromiumInstalled } from "./chromium";
import { WAIT_MS } from "./clients";
import { demoPagesForFile, waitForRosterEntry, waitForState, waitForTabCount } from "./demo-pages";

const LEAVE_GRACE_MS = Number(E2E_DEVELOPMENT_VARS.LEAVE_GRACE_SECONDS) * 1_000;

/** What a page's roster watch saw: every moment `userId` was missing, or the count was not `count`. */
interface RosterWatch {
	samples: number;
	mutations: number;
	lapses: Array<{ at: number; present: boolean; count: string | null }>;
}

/**
 * Watches the page's roster from inside it: a MutationObserver looks at every change the moment
 * it happens, and a 20 ms interval samples besides, so no gap between two polls can hide a lapse.
 */
async function watchRoster(page: Page, userId: string, count: string): Promise<void> {
	await page.evaluate(
		([userId, count]) => {
			const watch: RosterWatch = { samples: 0, mutations: 0, lapses: [] };
			const look = () => {
				const present = document.querySelector(`#roster [data-user-id="${userId}"]`) !== null;
				const shown = document.getElementById("roster-count")?.textContent ?? null;
				if (!present || shown !== count) watch.lapses.push({ at: Date.now(), present, count: shown });
			};
			const roster = document.getElementById("roster")?.parentElement;
			if (!roster) throw new Error("the page has no roster");
			new MutationObserver(() => {
				watch.mutations += 1;
				look();
			}).observe(roster, { childList: true, subtree: true, characterData: true });
			setInterval(() => {
				watch.samples += 1;
				look();
			}, 20);
			(globalThis as unknown as { rosterWatch: RosterWatch }).rosterWatch = watch;
		},
		[userId, count] as const,
	);
}

function rosterWatch(page: Page): Promise<RosterWatch> {
	return page.evaluate(() => (globalThis as unknown as { rosterWatch: RosterWatch }).rosterWatch);
}

async function onlineCount(page: Page): Promise<string | null> {
	return page.locator("#roster-count").textContent();
}

/** Plays the tab going to the background (or back), as the browser tells the page. */
async function setHidden(page: Page, hidden: boolean): Promise<void> {
	await page.evaluate((hidden) => {
		Object.defineProperty(document, "visibilityState", {
			configurable: true,
			get: () => (hidden ? "hidden" : "visible"),
		});
		document.dispatchEvent(new Event("visibilitychange"));
	}, hidden);
}

describe.skipIf(!chromiumInstalled() && !process.env.CI)("presence in the demo page (Chromium)", () => {
	const pages = demoPagesForFile();

	it("a page that reloads three times never vanishes from another page's roster, and the count stays 2", async () => {
		const room = randomRoom();
		const alice = await pages.open(room, "alice");
		const bob = await pages.open(room, "bob");
		await waitForRosterEntry(alice.page, "bob");
		await alice.page.waitForFunction(() => document.getElementById("roster-count")?.textContent === "2", undefined, {
			timeout: WAIT_MS,
		});
		await watchRoster(alice.page, "bob", "2");

		for (let reload = 1; reload <= 3; reload += 1) {
			await bob.page.reload();
			await waitForState(bob.page, "registered");
			await waitForRosterEntry(bob.page, "alice");
			expect(await onlineCount(bob.page)).toBe("2");
		}
		// A closed connection's grace ends after LEAVE_GRACE_MS: past it, what was replaced must not
		// be announced as a leave, and bob is back to one tab.
		await alice.page.waitForTimeout(LEAVE_GRACE_MS + 1_000);
		await waitForTabCount(alice.page, "bob", 1);

		const watch = await rosterWatch(alice.page);
		expect(watch.lapses).toEqual([]);
		// The watch ran all along: a sample every 20 ms, however throttled.
		expect(watch.samples).toBeGreaterThan(LEAVE_GRACE_MS / 100);
		expect(await onlineCount(alice.page)).toBe("2");
		expect(await alice.page.locator("#roster li").count()).toBe(2);
		expect(alice.errors).toEqual([]);
		expect(bob.errors).toEqual([]);
	});

	it("the online count follows joins, and a hidden tab shows as away on the other page", async () => {
		const room = randomRoom();
		const alice = await pages.open(room, "alice");
		const bob = await pages.open(room, "bob");
		const carol = await pages.open(room, "carol");
		for (const { page } of [alice, bob, carol]) {
			await page.waitForFunction(() => document.getElementById("roster-count")?.textContent === "3", undefined, {
				timeout: WAIT_MS,
			});
		}
		await setHidden(bob.page, true);
		await alice.page.waitForSelector('#roster li.away[data-user-id="bob"] .status', { timeout: WAIT_MS });
		expect(await alice.page.locator('#roster [data-user-id="bob"] .status').textContent()).toBe("away");
		await setHidden(bob.page, false);
		await alice.page.waitForSelector('#roster [data-user-id="bob"]:not(.away)', { timeout: WAIT_MS });
		// bob's own page knows itself as the room does.
		expect(
			await bob.page.evaluate(
				() => (globalThis as unknown as { roomClient: { self?: { meta: object } } }).roomClient.self?.meta,
			),
		).toEqual({
			status: "here",
		});
		expect(alice.errors).toEqual([]);
		expect(bob.errors).toEqual([]);
	});
});
