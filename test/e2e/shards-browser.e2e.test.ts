/**
 * End to end (1.3): the demo page and the client library, unchanged, in a room over several
 * objects. The room's first object is full (20 registered clients), so the page lands on a shard;
 * it sees everyone on the first object and exchanges messages with them.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RestartableWranglerDev } from "../../scripts/local-server/restartable-wrangler-dev.ts";
import { mapConcurrently } from "../../scripts/resuming-client/many-sockets.ts";
import { randomRoom } from "../support/client";
import { chromiumInstalled } from "./chromium";
import { DemoPages, waitForRosterEntry } from "./demo-pages";
import {
	getJson,
	joinRoom,
	messagesOf,
	OBJECT_CONNECTIONS,
	rosterOf,
	type ShardClient,
	startShardedServer,
	WAIT_MS,
	waitUntil,
} from "./shards/sharded-server";

let server: RestartableWranglerDev | undefined;
const pages = new DemoPages();
const clients: ShardClient[] = [];

// CI installs Chromium (.ci/run); a developer without it gets a skip, not a false failure.
describe.skipIf(!chromiumInstalled() && !process.env.CI)("the demo page in a room over several objects", () => {
	beforeAll(async () => {
		[server] = await Promise.all([startShardedServer("e2e-shards-browser"), pages.launch()]);
	}, 120_000);

	afterAll(async () => {
		for (const client of clients.splice(0)) client.ws.terminate();
		await pages.close();
		await server?.stop();
	}, 60_000);

	it("a page placed on a shard sees the users of the first object and exchanges messages with them", async () => {
		if (!server) throw new Error("no server");
		const room = randomRoom("shards");
		const { wsOrigin } = server;
		clients.push(...(await mapConcurrently(OBJECT_CONNECTIONS, 10, (i) => joinRoom(wsOrigin, room, `f${i}`))));
		expect(new Set(clients.map((client) => client.shard))).toEqual(new Set([0]));

		const { page, errors } = await pages.open(room, "pat", server.origin);
		const occupancy = await getJson<{ userCount: number; shards: number }>(server.origin, `/rooms/${room}/occupancy`);
		expect(occupancy).toMatchObject({ userCount: OBJECT_CONNECTIONS + 1, shards: 2 });
		await waitForRosterEntry(page, "f0", "attached", WAIT_MS);
		await waitForRosterEntry(page, `f${OBJECT_CONNECTIONS - 1}`, "attached", WAIT_MS);
		await Promise.all(clients.map((c) => waitUntil(c, () => rosterOf(c).has("pat"), "pat in the roster")));

		await page.fill("#send-input", "hello from a shard");
		await page.press("#send-input", "Enter");
		await Promise.all(
			clients.map((c) =>
				waitUntil(c, () => messagesOf(c).some((m) => m.message === "hello from a shard"), "the page's message"),
			),
		);
		const [first] = clients as [ShardClient];
		const ack = await first.request("SendMessage", { message: "hello from the first object" }, WAIT_MS);
		expect(ack.event).toBe("MessageAck");
		await waitForText(page, "hello from the first object");
		await page.waitForSelector('#messages .message.mine[data-seq="1"]', { timeout: WAIT_MS });
		expect(errors).toEqual([]);
	}, 60_000);
});

async function waitForText(page: Page, text: string): Promise<void> {
	await page.waitForFunction(
		(wanted) => [...document.querySelectorAll("#messages .text")].some((element) => element.textContent === wanted),
		text,
		{ timeout: WAIT_MS },
	);
}
