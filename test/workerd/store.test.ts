import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MIGRATIONS, migrate } from "../../src/room/store";
import { randomRoom } from "../support/client";
import { join, roomStub } from "./connect";

describe("room storage", () => {
	it("is at the latest layout version once the room has run, and migrating again changes nothing", async () => {
		const room = randomRoom();
		const client = await join(room, "alice");
		await client.request("SendMessage", { message: 1 });
		const version = await runInDurableObject(roomStub(room), (_, state) => {
			const again = migrate(state.storage);
			const seq = state.storage.sql.exec("SELECT value FROM room_meta WHERE key = 'seq'").one().value;
			return { again, seq };
		});
		expect(version).toEqual({ again: MIGRATIONS.length, seq: 1 });
	});

	it("runs only the migrations a live room has not had, in order, keeping its data", async () => {
		const room = randomRoom();
		const client = await join(room, "alice");
		await client.request("SendMessage", { message: 1 });
		await client.request("SendMessage", { message: 2 });
		const result = await runInDurableObject(roomStub(room), (_, state) => {
			const applied: string[] = [];
			const next = [
				...MIGRATIONS,
				(sql: SqlStorage) => {
					applied.push("v+1");
					sql.exec("CREATE TABLE extra (n INTEGER)");
					sql.exec("INSERT INTO extra (n) SELECT value FROM room_meta WHERE key = 'seq'");
				},
			];
			const version = migrate(state.storage, next);
			const twice = migrate(state.storage, next);
			const copied = state.storage.sql.exec("SELECT n FROM extra").one().n;
			return { version, twice, applied, copied };
		});
		expect(result).toEqual({
			version: MIGRATIONS.length + 1,
			twice: MIGRATIONS.length + 1,
			applied: ["v+1"],
			copied: 2,
		});
	});

	it("rolls back a failing migration whole and leaves the version where it was", async () => {
		const room = randomRoom();
		await join(room, "alice");
		const result = await runInDurableObject(roomStub(room), (_, state) => {
			const failing = [
				...MIGRATIONS,
				(sql: SqlStorage) => {
					sql.exec("CREATE TABLE half_done (n INTEGER)");
					throw new Error("migration failed");
				},
			];
			let error = "";
			try {
				migrate(state.storage, failing);
			} catch (caught) {
				error = (caught as Error).message;
			}
			const tables = state.storage.sql
				.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'half_done'")
				.toArray();
			return { error, tables: tables.length, version: migrate(state.storage) };
		});
		expect(result).toEqual({ error: "migration failed", tables: 0, version: MIGRATIONS.length });
	});
});
