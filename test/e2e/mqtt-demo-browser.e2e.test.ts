/**
 * The MQTT demo page (public/mqtt.html, MQTT.js in the browser) beside the chat page, in Chromium
 * against the real `wrangler dev`: each sees the other's messages and typing once, the chat lists
 * the MQTT user and the MQTT page counts the room, the pages link to each other, and a kept
 * session gets what it missed across a reload, and only that. One test: each page costs a second.
 */
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { randomRoom } from "../support/client";
import { chromiumInstalled, collectErrors } from "./chromium";
import { WAIT_MS } from "./clients";
import { demoPagesForFile, type RoomPage, waitForRosterEntry, waitForState } from "./demo-pages";

const pages = demoPagesForFile();

/** `/mqtt?…` (public/mqtt.html) in a context of its own, once its session is in the room. */
async function openMqttPage(query: Record<string, string>): Promise<RoomPage> {
	const page = await (await pages.newContext()).newPage();
	const errors = collectErrors(page);
	await page.goto(`${inject("baseUrl")}/mqtt?${new URLSearchParams(query)}`);
	await waitForState(page, "registered");
	return { page, errors };
}

async function send(page: Page, text: string): Promise<void> {
	await page.locator("#send-input").fill(text);
	await page.locator("#send-input").press("Enter");
}

/** Waits until a row shows `text` with the room's `seq` on it (for our own: once the room sent it back). */
async function waitForMessage(page: Page, text: string): Promise<void> {
	await page.waitForFunction(
		(wanted) =>
			[...document.querySelectorAll("#messages .message[data-seq]")].some(
				(row) => row.querySelector(".text")?.textContent === wanted,
			),
		text,
		{ timeout: WAIT_MS },
	);
}

async function rows(page: Page): Promise<{ from: string; text: string }[]> {
	return page.locator("#messages .message").evaluateAll((items) =>
		items.map((item) => ({
			from: item.querySelector(".from")?.textContent ?? "",
			text: item.querySelector(".text")?.textContent ?? "",
		})),
	);
}

async function waitForTyping(page: Page, text: string): Promise<void> {
	await page.waitForFunction((wanted) => document.getElementById("typing")?.textContent === wanted, text, {
		timeout: WAIT_MS,
	});
}

/** The page's MQTT.js client (`globalThis.mqttClient`), as much of it as the tests use. */
type PageWithClient = typeof globalThis & {
	mqttClient: { options: { clientId: string }; end: (force: boolean) => void };
};

function clientIdOf(page: Page): Promise<string> {
	return page.evaluate(() => (globalThis as PageWithClient).mqttClient.options.clientId);
}

describe.skipIf(!chromiumInstalled() && !process.env.CI)("the MQTT demo page beside the chat (Chromium)", () => {
	it("each sees the other's messages and typing once; a kept session gets, after a reload, only what it missed", async () => {
		const room = randomRoom();
		const chat = await pages.open(room, "alice");
		const mqtt = await openMqttPage({ room, user: "bob", keep: "1" });
		expect(await mqtt.page.locator("#keep-session").isChecked()).toBe(true);
		await waitForRosterEntry(chat.page, "bob");
		await mqtt.page.waitForFunction(() => document.getElementById("roster-count")?.textContent === "2", null, {
			timeout: WAIT_MS,
		});

		await chat.page.locator("#send-input").pressSequentially("hel");
		await waitForTyping(mqtt.page, "alice is typing…");
		await send(chat.page, "hello from the chat");
		await waitForMessage(mqtt.page, "hello from the chat");
		await waitForTyping(mqtt.page, "");

		await mqtt.page.locator("#send-input").pressSequentially("hi");
		await waitForTyping(chat.page, "bob is typing…");
		await send(mqtt.page, "hello from MQTT");
		await waitForMessage(chat.page, "hello from MQTT");
		// The MQTT page's own row is confirmed by the room's copy, not shown twice.
		await waitForMessage(mqtt.page, "hello from MQTT");

		const expected = [
			{ from: "alice", text: "hello from the chat" },
			{ from: "bob", text: "hello from MQTT" },
		];
		expect(await rows(chat.page)).toEqual(expected);
		expect(await rows(mqtt.page)).toEqual(expected);
		// Nobody is told of their own typing.
		expect(await chat.page.locator("#typing").textContent()).toBe("");
		expect(await mqtt.page.locator("#typing").textContent()).toBe("");

		// Each page links to the other in the same room, as the same user.
		const chatLink = new URL((await chat.page.locator("#switch-link").getAttribute("href")) ?? "", inject("baseUrl"));
		expect([chatLink.pathname, chatLink.searchParams.get("room"), chatLink.searchParams.get("user")]).toEqual([
			"/mqtt",
			room,
			"alice",
		]);
		const mqttLink = new URL((await mqtt.page.locator("#switch-link").getAttribute("href")) ?? "", inject("baseUrl"));
		expect([mqttLink.pathname, mqttLink.searchParams.get("user")]).toEqual(["/", "bob"]);

		// The tab drops its socket without DISCONNECT, as a closing tab would; the chat sends meanwhile.
		const clientId = await clientIdOf(mqtt.page);
		await mqtt.page.evaluate(() => (globalThis as PageWithClient).mqttClient.end(true));
		await send(chat.page, "while away");
		await chat.page.waitForSelector("#messages .message.mine[data-seq='3']", { timeout: WAIT_MS });
		// The tab keeps its client id across the reload (sessionStorage), so the room finds its session.
		await mqtt.page.reload();
		await waitForState(mqtt.page, "registered");
		expect(await mqtt.page.locator("#session").getAttribute("data-present")).toBe("true");
		expect(await clientIdOf(mqtt.page)).toBe(clientId);
		await waitForMessage(mqtt.page, "while away");
		// What it acknowledged before is not sent again.
		expect(await rows(mqtt.page)).toEqual([{ from: "alice", text: "while away" }]);

		// The Content-Security-Policy lets MQTT.js run: nothing refused, nothing thrown.
		expect([...chat.errors, ...mqtt.errors]).toEqual([]);
	});
});
