/**
 * (1.4) The demo page in Chromium when the room's backend removes its user (the secured
 * `wrangler dev`: tokens and PUBLISH_KEY on): `DELETE /rooms/:room/users/alice?banSeconds=60`
 * closes the page's socket with 4003, the page says "You were removed from this room" and opens
 * no socket again; the others hear the leave, reason "removed"; reloaded within the ban, the page
 * is refused (403 FORBIDDEN) and says it may not come back yet.
 */
import type { Page } from "playwright-core";
import { afterEach, describe, expect, inject, it } from "vitest";
import { randomRoom } from "../support/client";
import { TEST_PUBLISH_KEY } from "../support/pinned-vars";
import { roomToken } from "../support/tokens";
import { chromiumInstalled, collectErrors } from "./chromium";
import { closeAll, connect, expectReply, get, WAIT_MS } from "./clients";
import { demoPagesForFile, waitForState } from "./demo-pages";

afterEach(closeAll);
const pages = demoPagesForFile();

async function openPage(room: string, token: string) {
	const page = await (await pages.newContext()).newPage();
	const errors = collectErrors(page);
	let opened = 0;
	page.on("websocket", () => {
		opened += 1;
	});
	await page.goto(`${inject("securedAllowedUrl")}/?${new URLSearchParams({ room, token })}`);
	return { page, sockets: () => opened, errors };
}

async function noticeFor(page: Page, code: string): Promise<string> {
	const notice = await page.waitForSelector(`#notice[data-code="${code}"]`, { timeout: WAIT_MS });
	return (await notice.textContent()) ?? "";
}

describe.skipIf(!chromiumInstalled())("the demo page when its user is removed", () => {
	it('says "You were removed from this room" and does not reconnect; reloaded while banned, it is refused', async () => {
		const room = randomRoom();
		const bob = await connect(room, { server: "secured", query: { token: await roomToken({ sub: "bob" }) } });
		await expectReply(bob, "Register", {}, "Registered");
		const token = await roomToken({ sub: "alice", name: "Alice", rooms: [room] });
		const { page, sockets, errors } = await openPage(room, token);
		await waitForState(page, "registered");
		await bob.next("UserJoined", undefined, WAIT_MS);

		const response = await get(
			`/rooms/${room}/users/alice?banSeconds=60`,
			{ method: "DELETE", headers: { Authorization: `Bearer ${TEST_PUBLISH_KEY}` } },
			"secured",
		);
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual({ removed: 1 });

		expect(await noticeFor(page, "REMOVED")).toMatch(/^You were removed from this room\./);
		await waitForState(page, "closed");
		const left = await bob.next("UserLeft", undefined, WAIT_MS);
		expect(left.data).toMatchObject({ user: { userId: "alice" }, reason: "removed" });
		const attempts = sockets();
		expect(attempts).toBe(1);
		// A page that reconnected would have opened a socket within a few seconds.
		await page.waitForTimeout(4_000);
		expect(sockets()).toBe(attempts);
		expect(bob.received("UserJoined")).toHaveLength(1);
		expect(errors).toEqual([]);

		// Reloaded within the ban: refused for good, and told why.
		await page.reload();
		expect(await noticeFor(page, "FORBIDDEN")).toMatch(/^You were removed from this room and may not come back yet/);
		await waitForState(page, "closed");
		expect(bob.received("UserJoined")).toHaveLength(1);
	});
});
