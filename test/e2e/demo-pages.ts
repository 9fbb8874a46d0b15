/**
 * The demo page in Chromium, for the browser test files: one browser per file, a context (a fresh
 * profile) per page, all closed after each test, and bounded waits on what a page shows.
 */
import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, inject } from "vitest";
import { collectErrors, launchChromium } from "./chromium";
import { WAIT_MS } from "./clients";

/** A phone's screen, as the phone-layout tests use it. */
export const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

export interface RoomPage {
	page: Page;
	/** Console errors and uncaught exceptions so far. */
	errors: string[];
}

export class DemoPages {
	#browser: Browser | undefined;
	readonly #contexts: BrowserContext[] = [];

	async launch(): Promise<void> {
		this.#browser = await launchChromium();
	}

	/** A context of its own (a fresh profile), closed by `closePages()`. */
	async newContext(
		options: BrowserContextOptions = { viewport: { width: 1000, height: 640 } },
	): Promise<BrowserContext> {
		if (!this.#browser) throw new Error("DemoPages: launch() first");
		const context = await this.#browser.newContext(options);
		this.#contexts.push(context);
		return context;
	}

	/** `/?room=ROOM&user=USER` in a context of its own (a desktop window by default), once it shows itself registered. */
	async open(
		room: string,
		user: string,
		origin = inject("baseUrl"),
		contextOptions?: BrowserContextOptions,
	): Promise<RoomPage> {
		const context = await this.newContext(contextOptions);
		const page = await context.newPage();
		const errors = collectErrors(page);
		await page.goto(pageUrl(origin, room, user));
		await waitForState(page, "registered");
		return { page, errors };
	}

	/** After each test: every page's context. */
	async closePages(): Promise<void> {
		await Promise.all(this.#contexts.splice(0).map((context) => context.close()));
	}

	async close(): Promise<void> {
		await this.#browser?.close();
	}
}

/** DemoPages for a test file: the browser for the whole file, every page closed after each test. */
export function demoPagesForFile(): DemoPages {
	const pages = new DemoPages();
	beforeAll(() => pages.launch());
	afterAll(() => pages.close());
	afterEach(() => pages.closePages());
	return pages;
}

export function pageUrl(origin: string, room: string, user: string): string {
	return `${origin}/?${new URLSearchParams({ room, user })}`;
}

export async function waitForState(page: Page, state: string, timeout = WAIT_MS): Promise<void> {
	await page.waitForSelector(`#status[data-state="${state}"]`, { timeout });
}

export async function waitForRosterEntry(
	page: Page,
	userId: string,
	state: "attached" | "detached" = "attached",
	timeout = WAIT_MS,
): Promise<void> {
	await page.waitForSelector(`#roster [data-user-id="${userId}"]`, { state, timeout });
}

/** Waits until `userId`'s roster entry shows `tabs` tabs (a user in one tab shows no count). */
export async function waitForTabCount(page: Page, userId: string, tabs: number, timeout = WAIT_MS): Promise<void> {
	await page.waitForFunction(
		([userId, tabs]) => {
			const entry = document.querySelector(`#roster [data-user-id="${userId}"]`);
			const shown = entry?.querySelector(".tabs")?.textContent ?? null;
			return entry !== null && shown === (tabs > 1 ? `${tabs} tabs` : null);
		},
		[userId, tabs] as const,
		{ timeout },
	);
}
