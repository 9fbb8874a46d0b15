/**
 * (1.4) The directory in a Worker of its own: each namespace bound for a `Room` class (a
 * subclass too) has its own, under the mount's `/rooms`, and `listRooms` reads it from backend
 * code; no binding beyond the rooms' own is needed.
 */
import { describe, expect, it, vi } from "vitest";
import { listRooms, RoomCallError } from "../../src/server";
import { randomRoom } from "../support/client";
import { TEST_PUBLISH_KEY } from "../support/pinned-vars";
import { connectAs, hooksEnv, joinAs, request } from "./helpers";

const asBackend = { headers: { Authorization: `Bearer ${TEST_PUBLISH_KEY}` } };

async function roomsUnder(mount: string, prefix: string): Promise<string[]> {
	const response = await request(`http://rooms.test${mount}/rooms?prefix=${prefix}`, null, asBackend);
	expect(response.status).toBe(200);
	return ((await response.json()) as { rooms: { room: string }[] }).rooms.map((entry) => entry.room);
}

describe("the directory in the rooms library", () => {
	it("lists each namespace's rooms under its own mount, and through listRooms", async () => {
		const prefix = randomRoom("dirl");
		const chat = `${prefix}-chat`;
		const plain = `${prefix}-plain`;
		await joinAs(chat, "alice");
		const other = await connectAs(plain, "plain", "/plain");
		await other.request("Register", {});
		await vi.waitFor(
			async () => {
				expect(await roomsUnder("/chat", prefix)).toEqual([chat]);
				expect(await roomsUnder("/plain", prefix)).toEqual([plain]);
			},
			{ timeout: 5000, interval: 20 },
		);
		const page = await listRooms(hooksEnv.ROOMS, { prefix, limit: 10 });
		expect(page).toEqual({ rooms: [{ room: chat, userCount: 1, connectionCount: 1, occupiedAt: expect.any(Number) }] });
	});

	it("refuses bad options with RoomCallError BAD_REQUEST", () => {
		expect(() => listRooms(hooksEnv.ROOMS, { limit: 0 })).toThrow(RoomCallError);
		expect(() => listRooms(hooksEnv.ROOMS, { cursor: "!" })).toThrow(/cursor/);
		expect(() => listRooms(hooksEnv.ROOMS, { prefix: 5 as unknown as string })).toThrow(/prefix/);
	});
});
