/**
 * Debian's Chromium (`apt-get install -y chromium`), driven by playwright-core: never a
 * downloaded browser. The flags keep it off the network: this machine's only peer is loopback.
 */
import { existsSync } from "node:fs";
import { type Browser, type ConsoleMessage, chromium, type Page } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function chromiumInstalled(): boolean {
	return existsSync(CHROMIUM_PATH);
}

export function launchChromium(): Promise<Browser> {
	return chromium.launch({
		executablePath: CHROMIUM_PATH,
		headless: true,
		args: [
			"--no-sandbox",
			"--disable-gpu",
			"--disable-quic",
			"--no-first-run",
			"--disable-background-networking",
			"--disable-component-update",
			"--disable-sync",
		],
	});
}

/** Console errors and uncaught exceptions of a page, collected from the moment it opens. */
export function collectErrors(page: Page): string[] {
	const errors: string[] = [];
	page.on("console", (message: ConsoleMessage) => {
		if (message.type() === "error") errors.push(message.text());
	});
	page.on("pageerror", (error) => errors.push(`uncaught: ${error.message}`));
	return errors;
}
