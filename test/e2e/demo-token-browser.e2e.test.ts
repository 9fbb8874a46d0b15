/**
 * The demo page in Chromium with a named token, against the secured `wrangler dev`, as a new user
 * follows the README: a token minted by `npm run token -- --sub alice --name Alice` (the script
 * itself), the page opened with it. The page is who its token says, whatever `user=` says, and
 * others see the token's name; `&name=` names a user whose token sets no name. When the room
 * refuses the token, the page says why (expired, signed with another secret, not a token at all)
 * and stops trying.
 */
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Page } from "playwright-core";
import { afterEach, describe, expect, inject, it } from "vitest";
import { randomRoom } from "../support/client";
import { TEST_AUTH_SECRET } from "../support/pinned-vars";
import { roomToken } from "../support/tokens";
import { chromiumInstalled, collectErrors } from "./chromium";
import { closeAll, connect, expectReply, WAIT_MS } from "./clients";
import { demoPagesForFile, waitForRosterEntry, waitForState } from "./demo-pages";

afterEach(closeAll);
const pages = demoPagesForFile();

/** `npm run token -- ARGS`, signing with the secured server's secret from a .dev.vars of its own. */
async function mintWithScript(args: string[]): Promise<{ token: string; printed: string }> {
	const dir = await mkdtemp(join(tmpdir(), "edge-rooms-token-"));
	const varsFile = join(dir, ".dev.vars");
	await writeFile(varsFile, `AUTH_SECRET="${TEST_AUTH_SECRET}"\n`);
	const { AUTH_SECRET: _ignored, ...environment } = process.env;
	const { stdout, stderr } = await promisify(execFile)(
		process.execPath,
		["scripts/token.ts", ...args, "--vars-file", varsFile],
		{ env: environment },
	);
	return { token: stdout.trim(), printed: stderr };
}

/** The secured server's demo page at an origin its ALLOWED_ORIGINS lists; counts the sockets it opens. */
async function openPage(
	query: Record<string, string>,
): Promise<{ page: Page; sockets: () => number; errors: string[] }> {
	return openUrl(`${inject("securedAllowedUrl")}/?${new URLSearchParams(query)}`);
}

async function openUrl(url: string): Promise<{ page: Page; sockets: () => number; errors: string[] }> {
	const page = await (await pages.newContext()).newPage();
	const errors = collectErrors(page);
	let opened = 0;
	page.on("websocket", () => {
		opened += 1;
	});
	await page.goto(url);
	return { page, sockets: () => opened, errors };
}

/** A Node client in the room as `sub`, registered. */
async function member(room: string, sub: string) {
	const client = await connect(room, { server: "secured", query: { token: await roomToken({ sub, name: sub }) } });
	await expectReply(client, "Register", {}, "Registered");
	return client;
}

async function noticeFor(page: Page, code: string): Promise<string> {
	const notice = await page.waitForSelector(`#notice[data-code="${code}"]`, { timeout: WAIT_MS });
	return (await notice.textContent()) ?? "";
}

async function rosterName(page: Page, userId: string): Promise<string> {
	await waitForRosterEntry(page, userId);
	return (await page.textContent(`#roster [data-user-id="${userId}"] .name`)) ?? "";
}

/** After a refusal for good: no socket opens any more (a retrying page would open one a second or two). */
async function expectNoMoreAttempts(page: Page, sockets: () => number): Promise<void> {
	await waitForState(page, "closed");
	const attempts = sockets();
	await page.waitForTimeout(3_000);
	expect(sockets()).toBe(attempts);
}

describe.skipIf(!chromiumInstalled())("the demo page in Chromium with a named token", () => {
	it("is the token's user with the token's name, whatever user= says, and others see that name", async () => {
		const room = randomRoom();
		const bob = await member(room, "bob");
		const { token } = await mintWithScript(["--sub", "alice", "--name", "Alice", "--rooms", room, "--ttl", "10m"]);
		// The README's URL, with a user= that is not the token's: the token wins.
		const { page, errors } = await openPage({ room, user: "mallory", token });
		await waitForState(page, "registered");
		expect(await rosterName(page, "alice")).toBe("Alice (you)");
		expect(await rosterName(page, "bob")).toBe("bob");
		expect(await page.$('#roster [data-user-id="mallory"]')).toBeNull();
		expect(await page.getAttribute("#notice", "data-code")).toBe("");

		await page.fill("#send-input", "hello from the page");
		await page.press("#send-input", "Enter");
		const message = await bob.next("Message", (frame) => frame.data.message === "hello from the page", WAIT_MS);
		expect(message.data.from).toMatchObject({ userId: "alice", name: "Alice" });
		await page.waitForSelector('#messages li.mine[data-seq] .from:text-is("Alice")', { timeout: WAIT_MS });
		// Nobody else joined: not "mallory", the address's user=.
		expect(bob.received("UserJoined").map((frame) => frame.data.user.userId)).toEqual(["alice"]);
		expect(errors).toEqual([]);
	});

	it("opens at the demo URL npm run token prints", async () => {
		const room = randomRoom();
		const { token, printed } = await mintWithScript([
			"--sub",
			"carol",
			"--name",
			"Carol",
			"--rooms",
			room,
			"--origin",
			inject("securedAllowedUrl"),
		]);
		const url = /https?:\/\/\S+/.exec(printed)?.[0];
		expect(url, printed).toBe(`${inject("securedAllowedUrl")}/?${new URLSearchParams({ room, token })}`);
		const { page } = await openUrl(url as string);
		await waitForState(page, "registered");
		expect(await rosterName(page, "carol")).toBe("Carol (you)");
	});

	it("with a token that sets no name, shows the name= of its address, for the token's user", async () => {
		const room = randomRoom();
		const bob = await member(room, "bob");
		const token = await roomToken({ sub: "dave", rooms: [room] });
		const { page } = await openPage({ room, token, name: "Dave D." });
		await waitForState(page, "registered");
		expect(await rosterName(page, "dave")).toBe("Dave D. (you)");
		const joined = await bob.next("UserJoined", undefined, WAIT_MS);
		expect(joined.data.user).toMatchObject({ userId: "dave", name: "Dave D." });
	});

	it("with an expired token says that it has expired, and stops trying", async () => {
		const { page, sockets } = await openPage({
			room: randomRoom(),
			token: await roomToken({ sub: "alice", ttl: -60 }),
		});
		expect(await noticeFor(page, "UNAUTHORIZED")).toMatch(/^Your token has expired/);
		await expectNoMoreAttempts(page, sockets);
	});

	it("with a token signed with another secret says that the room does not accept it", async () => {
		const token = await roomToken({ sub: "alice", secret: "another-secret-0123456789abcdef0123456789" });
		const { page, sockets } = await openPage({ room: randomRoom(), token });
		const notice = await noticeFor(page, "UNAUTHORIZED");
		expect(notice).toMatch(/^The room does not accept your token/);
		expect(notice).toContain("AUTH_SECRET");
		expect(notice).not.toMatch(/needs a token/);
		await expectNoMoreAttempts(page, sockets);
	});

	it("with something that is not a token says so, and opens no socket", async () => {
		const { page, sockets } = await openPage({ room: randomRoom(), user: "alice", token: "not-a-token" });
		expect(await noticeFor(page, "BAD_TOKEN")).toMatch(/^The token in this page's address is not a room token/);
		expect(sockets()).toBe(0);
	});
});
