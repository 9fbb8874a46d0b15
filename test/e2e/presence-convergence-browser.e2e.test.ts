/**
 * Presence that converges (protocol 1.2), end to end in Chromium: RoomClients running in a page
 * (presence-page.ts, the client library bundled as a browser gets it) that register during
 * churn show exactly what `GET /rooms/:room/users` answers, as the Node tests check
 * (presence-convergence.e2e.test.ts): a `batched` joiner registering between a user's join and
 * leave, or a meta change and its revert, inside one presence window; and random churn with
 * late joiners in every mode. The churn is made of raw protocol sockets from Node.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import type { PresenceMode } from "../../src/client";
import { randomRoom } from "../support/client";
import { chromiumInstalled, collectErrors } from "./chromium";
import { closeAll, WAIT_MS } from "./clients";
import { demoPagesForFile } from "./demo-pages";
import { absentOf, churn, expectRoomMatches, flashRound, playRounds, revertRound } from "./presence-churn";
import type { PresenceHarness } from "./presence-page";
import {
	enter,
	entries,
	expectConverged,
	expectNoneShows,
	type Observer,
	openTab,
	type Tab,
	watcher,
} from "./presence-views";
import { type PageServer, startPageServer } from "./react/page-server";

const MODES: readonly PresenceMode[] = ["batched", "events", "count"];

/** The page's clients, driven from here. */
class PageClients {
	constructor(
		readonly page: Page,
		readonly errors: string[],
		readonly room: string,
	) {}

	/** Clients registered in the room now. */
	async observe(modes: Record<string, PresenceMode>): Promise<Observer[]> {
		const observers: Observer[] = [];
		for (const [userId, mode] of Object.entries(modes)) observers.push(await this.start(userId, mode));
		await this.connected();
		return observers;
	}

	/** Clients whose sockets are open but which are out of the room: `register(userId)` is one frame away. */
	async standBy(modes: Record<string, PresenceMode>): Promise<Observer[]> {
		const observers = await this.observe(modes);
		for (const userId of Object.keys(modes)) {
			await this.page.evaluate((id) => (globalThis as unknown as Paged).presenceHarness.unregister(id), userId);
		}
		return observers;
	}

	/** A client connecting now; `connected()` waits for it. */
	async start(userId: string, mode: PresenceMode): Promise<Observer> {
		await this.page.evaluate(
			([room, host, userId, mode]) => (globalThis as unknown as Paged).presenceHarness.start(room, host, userId, mode),
			[this.room, inject("baseUrl"), userId, mode] as const,
		);
		return {
			label: `page ${userId}`,
			mode,
			view: async () => {
				const view = await this.page.evaluate(
					(id) => (globalThis as unknown as Paged).presenceHarness.view(id),
					userId,
				);
				return { ...view, users: entries(view.users) };
			},
		};
	}

	connected(): Promise<void> {
		return this.page.evaluate(() => (globalThis as unknown as Paged).presenceHarness.connected());
	}

	register(userId: string): Promise<void> {
		return this.page.evaluate((id) => (globalThis as unknown as Paged).presenceHarness.register(id), userId);
	}
}

/** The page's globals (presence-page.ts). */
type Paged = { presenceHarness: PresenceHarness };

describe.skipIf(!chromiumInstalled() && !process.env.CI)("RoomClient presence converges in Chromium", () => {
	const pages = demoPagesForFile();
	let server: PageServer;
	const opened: PageClients[] = [];

	beforeAll(async () => {
		server = await startPageServer(join(dirname(fileURLToPath(import.meta.url)), "presence-page.ts"));
	});
	afterAll(() => server?.close());
	afterEach(async () => {
		// Leave explicitly (no leave grace), before the page's context is closed.
		await Promise.all(
			opened
				.splice(0)
				.map(({ page }) => page.evaluate(() => (globalThis as unknown as Paged).presenceHarness.closeAll())),
		);
		closeAll();
	});

	async function openPage(room: string): Promise<PageClients> {
		const context = await pages.newContext();
		const page = await context.newPage();
		const errors = collectErrors(page);
		await page.goto(server.url);
		await page.waitForFunction(() => "presenceHarness" in globalThis, undefined, { timeout: WAIT_MS });
		const clients = new PageClients(page, errors, room);
		opened.push(clients);
		return clients;
	}

	it("a batched client in the page registering between a user's join and leave, or a change and its revert, shows the room", async () => {
		const room = randomRoom();
		const watch = await watcher(room, "batched");
		const stayer = await openTab(room, "stayer");
		await enter(stayer, { name: "Stella", meta: { status: "here" } });
		const flashes = await Promise.all(["flash-0", "flash-1"].map((userId) => openTab(room, userId)));
		const page = await openPage(room);
		const late = await page.standBy({ "late-b0": "batched", "late-b1": "batched", "late-b2": "batched" });
		const residents = await page.observe({ "resident-b": "batched", "resident-e": "events" });
		// The last resident's join closes a window after every change so far: the next change opens one.
		await watch.next("Presence", (frame) => frame.data.joined.some((user) => user.userId === "resident-e"), WAIT_MS);

		const rounds = [
			flashRound(flashes[0] as Tab),
			revertRound(stayer, { meta: { status: "away" } }, { meta: { status: "here" } }),
			flashRound(flashes[1] as Tab),
		];
		const played = await playRounds(
			watch,
			rounds.map((round, index) => ({
				...round,
				join: () => page.register(`late-b${index}`),
				marker: `late-b${index}`,
			})),
		);
		expect(played.fitted, played.report).toBeGreaterThan(0);

		const all = [...residents, ...late];
		const truth = await expectConverged(room, all);
		expect(truth.users.find((user) => user.userId === "stayer")?.meta).toEqual({ status: "here" });
		await expectNoneShows(all, ["flash-0", "flash-1"]);
		expect(page.errors).toEqual([]);
	});

	it("random churn from seed 7, with late joiners in every mode in the page", async () => {
		const room = randomRoom();
		const page = await openPage(room);
		const residents = await page.observe(Object.fromEntries(MODES.map((mode) => [`resident-${mode}`, mode])));
		// Batched, the library's default, the most: each of its joiners is a chance for a phantom.
		const late: Record<string, PresenceMode> = {
			"late-b0": "batched",
			"late-events": "events",
			"late-b1": "batched",
			"late-count": "count",
			"late-b2": "batched",
		};
		const standBys = await page.standBy(late);
		const fresh: Observer[] = [];
		const joiners = [
			...Object.keys(late).map((userId) => () => page.register(userId)),
			...MODES.map((mode) => async () => void fresh.push(await page.start(`fresh-${mode}`, mode))),
		];
		const churned = await churn({ room, seed: 7, steps: 50, joiners });
		await page.connected();

		const all = [...residents, ...standBys, ...fresh];
		const truth = await expectConverged(room, all);
		expectRoomMatches(truth, churned);
		await expectNoneShows(all, absentOf(truth, churned));
		expect(churned.flashed.length).toBeGreaterThan(0);
		expect(page.errors).toEqual([]);
	});
});
