/**
 * The README's React example as a user takes it: pasted as src/App.tsx into a fresh Vite
 * React-TS app (the create-vite template, vite-app.ts), with only its host changed, built by the
 * template's `npm run build` against the packed edge-rooms, served as static files and run in
 * Chromium against the real `wrangler dev`. Two tabs in one room see each other and each other's
 * messages (a tab in another room sees neither), "… is typing" shows on the other tab and goes a
 * few seconds after the last keystroke or with the message, and a tab the room refuses (the
 * secured `wrangler dev`, no token) says why. The page runs on real timers: the example's typing
 * spell is 3 s, and every wait is bounded.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { randomRoom } from "../../support/client";
import { chromiumInstalled, collectErrors } from "../chromium";
import { WAIT_MS } from "../clients";
import { demoPagesForFile } from "../demo-pages";
import type { PageServer } from "./page-server";
import { readmeReactExample, withHost } from "./readme-example";
import { startStaticServer } from "./static-server";
import { createViteApp, type ViteApp } from "./vite-app";

/** The example's typing spell (its TYPING_MS), and its typing signals' throttle (TYPING_SIGNAL). */
const TYPING_MS = 3_000;
const TYPING_THROTTLE_MS = 1_000;

interface ChatTab {
	page: Page;
	errors: string[];
}

describe.skipIf(!chromiumInstalled())("the README's React example, built in a fresh Vite app", () => {
	const pages = demoPagesForFile();
	let app: ViteApp | undefined;
	let openSite: PageServer;
	let securedSite: PageServer;

	beforeAll(async () => {
		const example = await readmeReactExample();
		app = await createViteApp();
		openSite = await startStaticServer(await app.build(withHost(example, inject("baseUrl")), "dist"));
		securedSite = await startStaticServer(await app.build(withHost(example, inject("securedUrl")), "dist-secured"));
	}, 180_000);

	afterAll(async () => {
		await Promise.all([openSite?.close(), securedSite?.close()]);
		await app?.remove();
	});

	async function openTab(site: PageServer, room: string, name: string): Promise<ChatTab> {
		const context = await pages.newContext();
		const page = await context.newPage();
		const errors = collectErrors(page);
		await page.goto(`${site.url}?${new URLSearchParams({ room, name })}`);
		return { page, errors };
	}

	/** A tab in `room`, once the room has registered it. */
	async function joinedTab(room: string, name: string): Promise<ChatTab> {
		const tab = await openTab(openSite, room, name);
		await statusShows(tab, "registered");
		return tab;
	}

	function statusShows(tab: ChatTab, text: string): Promise<void> {
		return tab.page.getByRole("status").filter({ hasText: text }).waitFor({ timeout: WAIT_MS });
	}

	function typingLine(tab: ChatTab): Promise<string | null> {
		return tab.page.locator("p[aria-live]").textContent();
	}

	async function typingShows(tab: ChatTab, text: string, timeout = WAIT_MS): Promise<void> {
		await tab.page.locator("p[aria-live]", { hasText: text }).waitFor({ timeout });
	}

	async function typingCleared(tab: ChatTab, timeout: number): Promise<void> {
		await tab.page.waitForFunction(() => document.querySelector("p[aria-live]")?.textContent === "", undefined, {
			timeout,
		});
	}

	function messages(tab: ChatTab): Promise<string[]> {
		return tab.page.locator("main li").allInnerTexts();
	}

	it("shows two tabs in one room to each other, and a message sent on one on both; a tab in another room sees none of it", async () => {
		const room = randomRoom("react-example");
		const ann = await joinedTab(room, "Ann");
		const bob = await joinedTab(room, "Bob");
		const elsewhere = await joinedTab(randomRoom("react-example"), "Eve");
		await statusShows(ann, "2 online: Ann, Bob");
		await statusShows(bob, "2 online: Ann, Bob");
		await ann.page.getByLabel("Message").fill("hello from Ann");
		await ann.page.getByLabel("Message").press("Enter");
		await bob.page.locator("main li", { hasText: "Ann: hello from Ann" }).waitFor({ timeout: WAIT_MS });
		await ann.page.locator("main li", { hasText: "Ann: hello from Ann" }).waitFor({ timeout: WAIT_MS });
		expect(await messages(bob)).toEqual(["Ann: hello from Ann"]);
		expect(await ann.page.getByLabel("Message").inputValue()).toBe("");
		expect(await messages(elsewhere)).toEqual([]);
		await statusShows(elsewhere, "1 online: Eve");
		expect([...ann.errors, ...bob.errors, ...elsewhere.errors]).toEqual([]);
	});

	it("shows '… is typing' on the other tab only, until a few seconds after the last keystroke or at once with the message", async () => {
		const room = randomRoom("react-example");
		const ann = await joinedTab(room, "Ann");
		const bob = await joinedTab(room, "Bob");
		await statusShows(ann, "2 online");
		const input = ann.page.getByLabel("Message");

		await input.pressSequentially("hel");
		const lastKeystroke = Date.now();
		await typingShows(bob, "Ann is typing…");
		expect(await typingLine(ann)).toBe("");
		// Nothing clears it but its spell: the last keystroke's signal goes within the throttle.
		await typingCleared(bob, TYPING_MS + TYPING_THROTTLE_MS + WAIT_MS);
		expect(Date.now() - lastKeystroke).toBeGreaterThanOrEqual(TYPING_MS - 500);

		await input.pressSequentially("lo");
		await typingShows(bob, "Ann is typing…");
		await input.press("Enter");
		const sent = Date.now();
		await bob.page.locator("main li", { hasText: "Ann: hello" }).waitFor({ timeout: WAIT_MS });
		await typingCleared(bob, WAIT_MS);
		// The send's own `typing: false`, at most a throttle later: well before the spell would end.
		expect(Date.now() - sent).toBeLessThan(TYPING_MS - 500);
		expect(await typingLine(ann)).toBe("");
		expect([...ann.errors, ...bob.errors]).toEqual([]);
	});

	it("says why the room refuses the client: the room's own code and message", async () => {
		const room = randomRoom("react-example");
		const answer = await fetch(`${inject("securedUrl")}/rooms/${room}/ws`);
		const { error } = (await answer.json()) as { error: { code: string; message: string } };
		expect([answer.status, error.code]).toEqual([401, "UNAUTHORIZED"]);
		const refused = await openTab(securedSite, room, "Mallory");
		const alert = refused.page.getByRole("alert");
		await alert.filter({ hasText: "(UNAUTHORIZED)" }).waitFor({ timeout: WAIT_MS });
		expect(await alert.textContent()).toBe(`Not in the room: ${error.message} (UNAUTHORIZED)`);
		expect(await refused.page.getByRole("status").count()).toBe(0);
	});
});
