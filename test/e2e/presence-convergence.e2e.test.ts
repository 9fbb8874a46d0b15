/**
 * Presence that converges (protocol 1.2), end to end in Node: after users churn, RoomClients in
 * every presence mode that registered during the churn (late joiners) show exactly what
 * `GET /rooms/:room/users` answers. The churn is made of raw protocol sockets; the interleavings
 * that broke (a user who joins and leaves, or a meta changed and reverted, around a `batched`
 * joiner's Register inside one presence window; a user who joins and leaves within a second
 * around a `count` joiner's Register) are played on purpose, then at random from a seed.
 */
import { isDeepStrictEqual } from "node:util";
import { afterEach, describe, expect, inject, it } from "vitest";
import { type PresenceMode, type PresenceSnapshot, RoomClient } from "../../src/client";
import { randomRoom } from "../support/client";
import { closeAll, WAIT_MS } from "./clients";
import { absentOf, churn, expectRoomMatches, flashRound, playRounds, revertRound } from "./presence-churn";
import {
	enter,
	entries,
	expectConverged,
	expectNoneShows,
	leave,
	type Observer,
	openTab,
	roomView,
	type Tab,
	type View,
	waitUntil,
	watcher,
} from "./presence-views";

/** A RoomClient in Node, with the counts its last `presence` event told. */
class ClientObserver implements Observer {
	readonly client: RoomClient;
	last: PresenceSnapshot | undefined;

	constructor(
		room: string,
		readonly label: string,
		readonly mode: PresenceMode,
	) {
		this.client = new RoomClient({ room, userId: label, presence: mode, host: inject("baseUrl"), fetch: null });
		this.client.on("presence", (change) => {
			this.last = change;
		});
	}

	view(): View {
		const { users, userCount } = this.client;
		return { users: entries(users), userCount, connectionCount: this.last?.connectionCount };
	}
}

const MODES: readonly PresenceMode[] = ["batched", "events", "count"];
const observers: ClientObserver[] = [];

afterEach(async () => {
	await Promise.all(observers.splice(0).map((observer) => observer.client.close()));
	closeAll();
});

/** A RoomClient in the room from now on. */
async function observe(room: string, label: string, mode: PresenceMode): Promise<ClientObserver> {
	const observer = new ClientObserver(room, label, mode);
	observers.push(observer);
	await observer.client.connect();
	return observer;
}

/** A RoomClient whose socket is open but which is out of the room: its `register()` is one frame away. */
async function standBy(room: string, label: string, mode: PresenceMode): Promise<ClientObserver> {
	const observer = await observe(room, label, mode);
	await observer.client.unregister();
	return observer;
}

describe("RoomClient presence converges on GET /rooms/:room/users (Node)", () => {
	it("batched and events joiners registering between a user's join and leave, or a change and its revert, in one window", async () => {
		const room = randomRoom();
		const watch = await watcher(room, "batched");
		const stayer = await openTab(room, "stayer");
		await enter(stayer, { name: "Stella", meta: { status: "here" } });
		const flashes = await Promise.all(["flash-0", "flash-1"].map((userId) => openTab(room, userId)));
		const rounds = [
			flashRound(flashes[0] as Tab),
			revertRound(stayer, { meta: { status: "away" } }, { meta: { status: "here" } }),
			flashRound(flashes[1] as Tab),
			revertRound(stayer, { name: "Stella B" }, { name: "Stella" }),
		];
		const late: ClientObserver[][] = [];
		for (const [index] of rounds.entries()) {
			late.push([await standBy(room, `late-b${index}`, "batched"), await standBy(room, `late-e${index}`, "events")]);
		}
		const residents = [await observe(room, "resident-b", "batched"), await observe(room, "resident-e", "events")];
		// The last resident's join closes a window after every change so far: the next change opens one.
		await watch.next("Presence", (frame) => frame.data.joined.some((user) => user.userId === "resident-e"), WAIT_MS);

		const played = await playRounds(
			watch,
			rounds.map((round, index) => ({
				...round,
				join: async () => void (await Promise.all(late[index]?.map((joiner) => joiner.client.register()) ?? [])),
				marker: `late-b${index}`,
			})),
		);
		// Each round takes a few round trips: most fit in a window; on a slow machine, at least one must.
		expect(played.fitted, played.report).toBeGreaterThan(0);

		const all = [...residents, ...late.flat()];
		const truth = await expectConverged(room, all);
		// Everyone but the two flashes: the stayer, the watcher, two residents and eight late joiners.
		expect(truth.userCount).toBe(12);
		await expectNoneShows(all, ["flash-0", "flash-1"]);
		for (const observer of all) {
			expect(
				observer.view().users.find((user) => user.userId === "stayer"),
				observer.label,
			).toEqual({
				userId: "stayer",
				name: "Stella",
				meta: { status: "here" },
				connections: 1,
			});
		}
	});

	it("count joiners registering while a user joins and leaves within a second end with the room's counts", async () => {
		const room = randomRoom();
		const watch = await watcher(room, "count");
		const late = [await standBy(room, "late-c0", "count"), await standBy(room, "late-c1", "count")];
		const residents = [await observe(room, "resident-c", "count"), await observe(room, "resident-b", "batched")];
		const [first, second] = await Promise.all(["flash-0", "flash-1"].map((userId) => openTab(room, userId)));
		const [lateFirst, lateSecond] = late as [ClientObserver, ClientObserver];
		// The join, a Register and the leave a round trip apart.
		await enter(first as Tab);
		await lateFirst.client.register();
		await leave(first as Tab);
		// Once the watcher has been told the room's counts, the next join is news to every count connection.
		await waitUntil("the count watcher shows the room", async () => {
			const { userCount, connectionCount } = await roomView(room);
			return isDeepStrictEqual(watch.received("Occupancy").at(-1)?.data, { userCount, connectionCount });
		});
		const { userCount } = await roomView(room);
		const from = watch.frames.length;
		await enter(second as Tab);
		// The join is told (at once, or a second after the last Occupancy); a joiner registers; the user leaves.
		await watch.waitFor(
			(frame) =>
				watch.frames.indexOf(frame) >= from && frame.event === "Occupancy" && frame.data.userCount === userCount + 1,
			WAIT_MS,
		);
		await lateSecond.client.register();
		await leave(second as Tab);

		const all = [...residents, ...late];
		const truth = await expectConverged(room, all);
		expect(truth.userCount).toBe(userCount + 1);
		await expectNoneShows(all, ["flash-0", "flash-1"]);
	});

	it.each([24, 1208])("random churn from seed %i, with late joiners in every mode", async (seed) => {
		const room = randomRoom();
		const residents = await Promise.all(MODES.map((mode) => observe(room, `resident-${mode}`, mode)));
		const standBys: ClientObserver[] = [];
		for (const mode of MODES) {
			for (const index of [0, 1]) standBys.push(await standBy(room, `late-${mode}${index}`, mode));
		}
		// Late joiners: the stand-bys' Register (one frame), and a new client per mode whose socket opens during the churn.
		const connecting: Promise<void>[] = [];
		const fresh = MODES.map((mode) => new ClientObserver(room, `fresh-${mode}`, mode));
		observers.push(...fresh);
		const joiners = [
			...standBys.map((observer) => () => observer.client.register()),
			...fresh.map((observer) => async () => void connecting.push(observer.client.connect())),
		];
		const churned = await churn({ room, seed, steps: 60, joiners });
		await Promise.all(connecting);

		const all = [...residents, ...standBys, ...fresh];
		const truth = await expectConverged(room, all);
		expectRoomMatches(truth, churned);
		await expectNoneShows(all, absentOf(truth, churned));
		expect(churned.flashed.length).toBeGreaterThan(0);
		expect(absentOf(truth, churned)).toEqual(expect.arrayContaining(churned.flashed));
	});
});
