/**
 * Regenerates docs/demo.png: the demo page as a user sees it in a lively room. Starts its own
 * `wrangler dev` (development mode, private state) and Debian's Chromium, lets three people talk
 * in `lobby`, leaves one of them typing, and photographs Alice's page.
 *
 *   npm run screenshot
 */
import { resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../test/e2e/chromium.ts";
import { startWranglerDev } from "./local-server/wrangler-dev.ts";

const ROOM = "lobby";
const OUTPUT = resolve(import.meta.dirname, "../docs/demo.png");
const WAIT_MS = 15_000;

/** Who is in the room, and what they say, in order; the last person is left typing. */
const PEOPLE = [
	{ user: "alice", name: "Alice" },
	{ user: "bob", name: "Bob" },
	{ user: "carol", name: "Carol" },
] as const;
const CONVERSATION: [speaker: number, text: string][] = [
	[0, "Hi all! Is the release still on for today?"],
	[1, "Yes, the last fix landed an hour ago."],
	[2, "Staging looks good on my side."],
	[0, "Great, then let's ship it after lunch."],
];
const LEFT_TYPING = [2, "I'll write the release notes"] as const;

async function join(browser: Browser, origin: string, user: string, name: string): Promise<Page> {
	const context = await browser.newContext({ viewport: { width: 1000, height: 640 }, deviceScaleFactor: 1 });
	const page = await context.newPage();
	await page.goto(`${origin}/?${new URLSearchParams({ room: ROOM, user, name })}`);
	await page.waitForSelector('#status[data-state="registered"]', { timeout: WAIT_MS });
	return page;
}

async function say(page: Page, text: string): Promise<void> {
	await page.fill("#send-input", text);
	await page.press("#send-input", "Enter");
	await page.waitForSelector("#messages li:not(.pending)", { timeout: WAIT_MS });
}

async function main(): Promise<void> {
	const dev = await startWranglerDev({
		name: "screenshot",
		vars: { AUTH_SECRET: "", ALLOWED_ORIGINS: "", PUBLISH_KEY: "" },
	});
	let browser: Browser | undefined;
	try {
		browser = await launchChromium();
		const pages: Page[] = [];
		for (const { user, name } of PEOPLE) pages.push(await join(browser, dev.origin, user, name));
		const [alice] = pages as [Page, ...Page[]];
		for (const [index, [speaker, text]] of CONVERSATION.entries()) {
			await say(pages[speaker] as Page, text);
			await alice.locator("#messages li").nth(index).waitFor({ timeout: WAIT_MS });
		}
		const [typist, draft] = LEFT_TYPING;
		await (pages[typist] as Page).type("#send-input", draft, { delay: 30 });
		await alice.locator("#typing", { hasText: "typing" }).waitFor({ timeout: WAIT_MS });
		await alice.fill("#send-input", "");
		await alice.screenshot({ path: OUTPUT });
		console.log(`wrote ${OUTPUT}`);
	} finally {
		await browser?.close();
		await dev.stop();
	}
}

await main();
