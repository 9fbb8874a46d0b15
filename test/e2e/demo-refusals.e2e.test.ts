/**
 * The demo page against the secured `wrangler dev`, when the room refuses it: without a token it
 * says the room needs one, with a token for another room that the token does not allow it, and
 * then it stops trying; in a full room it says the room is full, keeps trying, and gets in once a
 * place frees. The page's own origin outside ALLOWED_ORIGINS cannot be asked about (a same-origin
 * GET carries no `Origin`): the page keeps trying, says it cannot reach the room, and asks whether
 * its origin is listed. (A named token, and the other refusals of a token: demo-token-browser.)
 */
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { randomRoom } from "../support/client";
import { roomToken } from "../support/tokens";
import { chromiumInstalled } from "./chromium";
import { connect, WAIT_MS } from "./clients";
import { demoPagesForFile, waitForState } from "./demo-pages";

const pages = demoPagesForFile();

/** The demo page of the secured server, as alice in a fresh room, and every socket it opens. */
async function openSecured(
	token: string | undefined,
	{ room = randomRoom(), origin = inject("securedUrl") } = {},
): Promise<{ page: Page; sockets: () => number; room: string }> {
	const page = await (await pages.newContext()).newPage();
	let opened = 0;
	page.on("websocket", () => {
		opened += 1;
	});
	const query = new URLSearchParams({ room, user: "alice", ...(token ? { token } : {}) });
	await page.goto(`${origin}/?${query}`);
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

	it("in a full room says that it is full, keeps trying, and gets in once a place frees", async () => {
		const room = randomRoom();
		const asUser = async (sub: string) => ({ server: "secured" as const, query: { token: await roomToken({ sub }) } });
		const [bob] = await Promise.all([connect(room, await asUser("bob")), connect(room, await asUser("carol"))]);
		await connect(room, await asUser("dave"));
		const { page, sockets } = await openSecured(await roomToken({ sub: "alice" }), {
			room,
			origin: inject("securedAllowedUrl"),
		});
		expect(await noticeFor(page, "ROOM_FULL")).toMatch(/^The room is full; trying again/);
		await expect.poll(sockets, { timeout: WAIT_MS }).toBeGreaterThan(1);
		expect(await page.getAttribute("#status", "data-state")).toBe("connecting");

		bob?.ws.close(1000, "making room");
		// The next attempt comes after the client's backoff (1 s, doubling, jittered).
		await waitForState(page, "registered", 3 * WAIT_MS);
		expect(await page.getAttribute("#notice", "data-code")).toBe("");
	});

	it("keeps trying when only the upgrade refuses it (its own origin not allowed), and says it cannot reach the room", async () => {
		const { page, sockets } = await openSecured(await roomToken({ sub: "alice" }));
		const notice = await noticeFor(page, "CONNECTION_FAILED");
		expect(notice).toMatch(/^Cannot reach the room; trying again/);
		expect(notice).toContain(`is this page's origin (${inject("securedUrl")}) in the room's ALLOWED_ORIGINS?`);
		await expect.poll(sockets, { timeout: WAIT_MS }).toBeGreaterThan(1);
		expect(await page.getAttribute("#status", "data-state")).toBe("connecting");
	});
});
