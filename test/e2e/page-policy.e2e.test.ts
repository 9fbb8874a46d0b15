/**
 * The demo page's Content-Security-Policy (public/_headers) as Debian's Chromium enforces it:
 * the page works under it with nothing refused (its socket is covered by connect-src 'self'),
 * a socket to any other origin is refused, and no page may frame it.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { randomRoom } from "../support/client";
import { chromiumInstalled, collectErrors, launchChromium } from "./chromium";
import { usersOf, WAIT_MS } from "./clients";

let browser: Browser;
const contexts: BrowserContext[] = [];

async function newPage(): Promise<{ page: Page; errors: string[] }> {
	const context = await browser.newContext();
	contexts.push(context);
	const page = await context.newPage();
	return { page, errors: collectErrors(page) };
}

function pageUrl(room: string, user: string): string {
	return `${inject("baseUrl")}/?${new URLSearchParams({ room, user })}`;
}

describe.skipIf(!chromiumInstalled() && !process.env.CI)("the demo page's security policy in Chromium", () => {
	beforeAll(async () => {
		browser = await launchChromium();
	});

	afterAll(async () => {
		await browser?.close();
	});

	afterEach(async () => {
		await Promise.all(contexts.splice(0).map((context) => context.close()));
	});

	it("lets the page reach its own room socket, and refuses a socket to another origin", async () => {
		const { page, errors } = await newPage();
		await page.goto(pageUrl(randomRoom(), "alice"));
		await page.waitForSelector('#status[data-state="registered"]', { timeout: WAIT_MS });
		expect(errors).toEqual([]);

		const violation = await page.evaluate(
			() =>
				new Promise<string>((resolve) => {
					document.addEventListener(
						"securitypolicyviolation",
						(event) => resolve(`${event.effectiveDirective} ${event.blockedURI}`),
						{ once: true },
					);
					new WebSocket("ws://127.0.0.2:9/");
				}),
		);
		expect(violation).toBe("connect-src ws://127.0.0.2:9/");
	});

	it("refuses to be framed: the framed page never loads, so it never joins", async () => {
		const room = randomRoom();
		const { page, errors } = await newPage();
		// setContent resolves once the document and its frame have loaded, or failed to.
		await page.setContent(`<iframe src="${pageUrl(room, "mallory")}"></iframe>`);
		const framed = page.frames()[1];
		expect(framed?.url()).not.toContain(inject("baseUrl"));
		expect(await framed?.evaluate(() => document.querySelector("#status") !== null)).toBe(false);
		expect(errors.join("\n")).toMatch(/frame-ancestors 'none'/);
		expect(await usersOf(room)).toEqual([]);
	});
});
