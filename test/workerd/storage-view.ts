/** What a room keeps in its storage, seen from inside its object: a test's view of "nothing left behind". */
import { runInDurableObject } from "cloudflare:test";
import { roomStub } from "./connect";

/** The room's SQLite tables and its alarm. */
export function storageOf(room: string) {
	return runInDurableObject(roomStub(room), async (_, state) => ({
		tables: state.storage.sql
			.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%'")
			.toArray()
			.map((row) => row.name),
		alarm: await state.storage.getAlarm(),
	}));
}
