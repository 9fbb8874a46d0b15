/**
 * The demo page against the secured `wrangler dev`, when the room refuses it: without a token it
 * says the room needs one, with a token for another room that the token does not allow it, and
 * then it stops trying. A refusal only the upgrade knows (here: the page's origin is not in
 * ALLOWED_ORIGINS) cannot be told apart by a browser; the page keeps trying and says so.
 */
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { randomRoom } from "../support/client";
import { roomToken } from "../support/tokens";
import { chromiumInstalled } from "./chromium";
import { WAIT_MS } from "./clients";
import { demoPagesForFile, waitForState } from "./demo-pages";

const pages = demoPagesForFile();

/** The demo page of the secured server, as alice in a fresh room, and every socket it opens. */
async function openSecured(token: string | undefined): Promise<{ page: Page; sockets: () => number; room: string }> {
	const room = randomRoom();
	const page = await (await pages.newContext()).newPage();
	let opened = 0;
	page.on("websocket", () => {
		opened += 1;
	});
	const query = new URLSearchParams({ room, user: "alice", ...(token ? { token } : {}) });
	await page.goto(`${inject("securedUrl")}/?${query}`);
	return { page, sockets: () => opened, room };
}

async function noticeFor(page: Page, code: string): Promise<string> {
	const notice = await page.waitForSelector(`#notice[data-code="${code}"]`, { timeout: WAIT_MS });
	return (await notice.textContent()) ?? "";
}

describe.skipIf(!chromiumInstalled())("the demo page, refused", () => {
	it("without a token says that the room needs one, and stops trying", async () => {
		const { page, sockets } = await openSecured(undefined);
		expect(await noticeFor(page, "UNAUTHORIZED")).toMatch(/^This room needs a token/);
		await waitForState(page, "closed");
		const attempts = sockets();
		await page.waitForTimeout(3_000);
		expect(sockets()).toBe(attempts);
	});

	it("with a token for other rooms says that it does not allow this one", async () => {
		const { page } = await openSecured(await roomToken({ sub: "alice", rooms: ["elsewhere"] }));
		expect(await noticeFor(page, "FORBIDDEN")).toMatch(/^Your token does not let you into this room/);
		await waitForState(page, "closed");
	});

	it("keeps trying when only the upgrade refuses it (an origin not allowed), and says it cannot reach the room", async () => {
		const { page, sockets } = await openSecured(await roomToken({ sub: "alice" }));
		expect(await noticeFor(page, "CONNECTION_FAILED")).toMatch(/^Cannot reach the room; trying again/);
		await expect.poll(sockets, { timeout: WAIT_MS }).toBeGreaterThan(1);
		expect(await page.getAttribute("#status", "data-state")).toBe("connecting");
	});
});
