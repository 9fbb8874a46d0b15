/**
 * (1.4) The directory under churn, end to end against the secured `wrangler dev` (PUBLISH_KEY
 * set, leave grace at its default 10 s, rooms of at most 3): 50 rooms fill, members come and go
 * (some unregister, some just close and stay in their grace), and the directory ends equal to the
 * rooms still occupied, with their counts, within a few seconds. Waits poll with a bound.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DirectoryPage, DirectoryRoom } from "../../src/protocol";
import { randomRoom } from "../support/client";
import { TEST_PUBLISH_KEY } from "../support/pinned-vars";
import { mulberry32 } from "../support/prng";
import { roomToken } from "../support/tokens";
import { closeAll, connect, type E2EClient, expectReply, get } from "./clients";

afterEach(closeAll);

const ROOMS = 50;
/** The secured server's MAX_CONNECTIONS: the roster, graces included, holds at most this many. */
const ROOM_PLACES = 3;
/** How long the directory may take to follow, past the leave grace (10 s) where it applies. */
const CONVERGE_MS = 30_000;

interface RoomState {
	open: E2EClient[];
	/** Places taken by members who closed without unregistering (in their grace, then gone). */
	closedInGrace: number;
}

let users = 0;

async function member(room: string): Promise<E2EClient> {
	users += 1;
	const client = await connect(room, { server: "secured", query: { token: await roomToken({ sub: `u${users}` }) } });
	await expectReply(client, "Register", {}, "Registered");
	return client;
}

/** Every page of the directory for `prefix`, `limit` rooms at a time. */
async function directoryOf(prefix: string, limit: number): Promise<DirectoryRoom[]> {
	const rooms: DirectoryRoom[] = [];
	let cursor: string | undefined;
	do {
		const query = new URLSearchParams({ prefix, limit: String(limit), ...(cursor ? { cursor } : {}) });
		const response = await get(
			`/rooms?${query}`,
			{ headers: { Authorization: `Bearer ${TEST_PUBLISH_KEY}` } },
			"secured",
		);
		expect(response.status).toBe(200);
		const page = (await response.json()) as DirectoryPage;
		expect(page.rooms.length).toBeLessThanOrEqual(limit);
		rooms.push(...page.rooms);
		cursor = page.cursor;
	} while (cursor !== undefined);
	return rooms;
}

/** What the directory should hold: the occupied rooms by name, each with its open members (graces over). */
function expected(rooms: Map<string, RoomState>, withGrace: boolean) {
	return [...rooms.entries()]
		.map(([room, state]) => ({ room, count: state.open.length + (withGrace ? state.closedInGrace : 0) }))
		.filter((entry) => entry.count > 0)
		.sort((a, b) => (a.room < b.room ? -1 : 1))
		.map(({ room, count }) => ({ room, userCount: count, connectionCount: count }));
}

async function converges(prefix: string, rooms: Map<string, RoomState>, withGrace: boolean) {
	await vi.waitFor(
		async () => {
			const listed = await directoryOf(prefix, 7);
			expect(listed.map(({ room, userCount, connectionCount }) => ({ room, userCount, connectionCount }))).toEqual(
				expected(rooms, withGrace),
			);
		},
		{ timeout: CONVERGE_MS, interval: 250 },
	);
}

describe("the directory under churn", () => {
	it("ends equal to the occupied rooms and their counts, paged by 7", { timeout: 120_000 }, async () => {
		const random = mulberry32(0x28d1);
		const prefix = randomRoom("churn");
		const rooms = new Map<string, RoomState>();
		const names = Array.from({ length: ROOMS }, (_, index) => `${prefix}-${String(index).padStart(2, "0")}`);
		for (const name of names) rooms.set(name, { open: [], closedInGrace: 0 });
		// Every room fills with 1 to 3 members, ten rooms at a time.
		for (let first = 0; first < ROOMS; first += 10) {
			await Promise.all(
				names.slice(first, first + 10).map(async (name) => {
					const state = rooms.get(name) as RoomState;
					const count = 1 + Math.floor(random() * ROOM_PLACES);
					for (let index = 0; index < count; index += 1) state.open.push(await member(name));
				}),
			);
		}
		await converges(prefix, rooms, true);

		// Churn: members leave (unregistering, or closing into their grace) and others come.
		for (let step = 0; step < 150; step += 1) {
			const name = names[Math.floor(random() * ROOMS)] as string;
			const state = rooms.get(name) as RoomState;
			const roll = random();
			if (roll < 0.35 && state.open.length + state.closedInGrace < ROOM_PLACES) {
				state.open.push(await member(name));
			} else if (roll < 0.7 && state.open.length > 0) {
				const leaving = state.open.splice(Math.floor(random() * state.open.length), 1)[0] as E2EClient;
				await expectReply(leaving, "Unregister", {}, "Unregistered");
				leaving.ws.terminate();
			} else if (state.open.length > 0) {
				const leaving = state.open.splice(Math.floor(random() * state.open.length), 1)[0] as E2EClient;
				leaving.close(1000, "bye");
				await leaving.waitForClose(10_000);
				state.closedInGrace += 1;
			}
		}
		// Some rooms are empty now, some only hold members in their grace: after it, they are gone.
		expect(expected(rooms, false).length).toBeLessThan(ROOMS);
		await converges(prefix, rooms, false);
	});
});
